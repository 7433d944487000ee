import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { GithubSchemas } from "./github-schemas";
import {
  builders,
  stamp,
  type Answer,
  type Ctx,
  type DeploymentState,
  type OwnerState,
  type RepoState,
  type RunState,
} from "./github-standin-objects";
import type {
  ControlOp,
  Fault,
  RecordedCall,
  SeedRepo,
  SeedStatus,
  StandinState,
} from "./github-standin-types";

/**
 * A local stand-in for GitHub's REST API: the endpoints Opsdeck calls, served from in-memory
 * state that tests seed and steer through `/__control/<owner>` (see github-standin-types.ts).
 * Every object it serves starts from GitHub's own published example for that schema, and every
 * response (errors and rate limits included) is validated against the operation's schema in
 * `@octokit/openapi` before it leaves: a response that does not validate is answered with 599
 * and logged, so a test built on a wrong idea of GitHub fails loudly. Transport faults
 * (`timeout`, `garbage`) are the only answers not checked, because GitHub did not send them.
 */

const DOCS = "https://docs.github.com/rest";
const error = (status: number, message: string, docs = DOCS): Answer => ({
  status,
  body: { message, documentation_url: docs, status: String(status) },
});

export type GithubStandin = { url: string; stop: () => Promise<void> };

export async function startGithubStandin(): Promise<GithubStandin> {
  const schemas = GithubSchemas.load();
  const owners = new Map<string, OwnerState>();
  const build = builders(schemas);
  let base = "";

  const routes: Array<{ method: string; template: string; handle: (ctx: Ctx) => Answer }> = [
    { method: "GET", template: "/repos/{owner}/{repo}", handle: (c) => ok(build.repository(c)) },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/runs",
      handle: (c) => {
        const runs = c.repo.runs.toSorted((a, b) => b.seed.id - a.seed.id);
        return ok({
          total_count: runs.length,
          workflow_runs: page(runs, c.query).map((r) => build.run(c, r)),
        });
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}",
      handle: (c) => withRun(c, (run) => ok(build.run(c, run))),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      handle: (c) =>
        withRun(c, (run) => {
          const jobs = page(run.jobs, c.query).map((j) => build.job(c, run, j));
          return ok({ total_count: run.jobs.length, jobs });
        }),
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun",
      handle: (c) => withRun(c, (run) => rerun(c, run, false)),
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
      handle: (c) => withRun(c, (run) => rerun(c, run, true)),
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel",
      handle: (c) =>
        withRun(c, (run) => {
          if (run.seed.status === "completed")
            return error(409, "Cannot cancel a workflow run that is completed.");
          Object.assign(run.seed, {
            status: "completed",
            conclusion: "cancelled",
            updated_at: stamp(),
          });
          for (const job of run.jobs)
            if (job.status !== "completed")
              Object.assign(job, { status: "completed", conclusion: "cancelled" });
          return { status: 202, body: {} };
        }),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs",
      handle: (c) => {
        const id = Number(c.params.job_id);
        const found = c.repo.runs.some((r) =>
          r.jobs.some((j) => j.id === id && j.log !== undefined),
        );
        if (!found) return error(404, "Not Found");
        return {
          status: 302,
          headers: { Location: `${c.base}/__downloads/${c.owner.login}/${c.repo.name}/${id}` },
        };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/deployments",
      handle: (c) => {
        const list = c.repo.deployments.toSorted((a, b) => b.seed.id - a.seed.id);
        return ok(page(list, c.query).map((d) => build.deployment(c, d)));
      },
    },
    { method: "POST", template: "/repos/{owner}/{repo}/deployments", handle: createDeployment },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      handle: (c) =>
        withDeployment(c, (d) =>
          ok(page(d.statuses.toReversed(), c.query).map((s) => build.status(c, d, s))),
        ),
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      handle: (c) =>
        withDeployment(c, (d) => {
          const body = c.body as { state: SeedStatus["state"]; description?: string };
          const status: SeedStatus = {
            id: c.owner.nextId++,
            state: body.state,
            description: body.description,
            created_at: stamp(),
          };
          d.statuses.push(status);
          return { status: 201, body: build.status(c, d, status) };
        }),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/code-scanning/alerts",
      handle: (c) => {
        if (c.repo.codeScanning === "disabled")
          return error(
            403,
            "Advanced Security must be enabled for this repository to use code scanning.",
          );
        if (!c.repo.codeScanning) return error(404, "no analysis found");
        return ok(page(c.repo.codeScanning, c.query).map((a) => build.codeScanning(c, a)));
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/dependabot/alerts",
      handle: (c) => {
        if (c.repo.dependabot === "disabled")
          return error(403, "Dependabot alerts are disabled for this repository.");
        return ok(page(c.repo.dependabot ?? [], c.query).map((a) => build.dependabot(c, a)));
      },
    },
  ];

  function ok(body: unknown): Answer {
    return { status: 200, body };
  }

  function withRun(c: Ctx, then: (run: RunState) => Answer): Answer {
    const run = c.repo.runs.find((r) => r.seed.id === Number(c.params.run_id));
    return run ? then(run) : error(404, "Not Found");
  }

  function withDeployment(c: Ctx, then: (d: DeploymentState) => Answer): Answer {
    const d = c.repo.deployments.find((x) => x.seed.id === Number(c.params.deployment_id));
    return d ? then(d) : error(404, "Not Found");
  }

  /** GitHub's rules: not while the run is going, not after 30 days. */
  function rerun(c: Ctx, run: RunState, failedOnly: boolean): Answer {
    const created = Date.parse(run.seed.created_at ?? stamp());
    if (Date.now() - created > 30 * 86_400_000)
      return error(
        403,
        "Unable to re-run this workflow run because it was created over a month ago",
      );
    if (run.seed.status !== "completed") return error(403, "This workflow is already running");
    const attempt = (run.seed.run_attempt ?? 1) + 1;
    Object.assign(run.seed, {
      status: "queued",
      conclusion: null,
      run_attempt: attempt,
      updated_at: stamp(),
    });
    run.jobs = run.jobs
      .filter((j) => !failedOnly || j.conclusion === "failure")
      .map((j) => ({ ...j, id: j.id * 10 + attempt, status: "queued", conclusion: null }));
    return { status: 201, body: {} };
  }

  function createDeployment(c: Ctx): Answer {
    const body = c.body as { ref: string; environment?: string; description?: string };
    const known = new Set([
      ...c.repo.runs.flatMap((r) => [r.seed.head_sha, r.seed.head_branch]),
      ...c.repo.deployments.flatMap((d) => [d.seed.sha, d.seed.ref]),
    ]);
    if (!known.has(body.ref))
      return {
        status: 422,
        body: {
          message: `No ref found for: ${body.ref}`,
          documentation_url: `${DOCS}/deployments/deployments#create-a-deployment`,
        },
      };
    const shaOf = (ref: string) =>
      c.repo.deployments.find((d) => d.seed.ref === ref || d.seed.sha === ref)?.seed.sha ??
      c.repo.runs.find((r) => r.seed.head_branch === ref || r.seed.head_sha === ref)?.seed
        .head_sha ??
      ref;
    const deployment: DeploymentState = {
      seed: {
        id: c.owner.nextId++,
        sha: shaOf(body.ref),
        ref: body.ref,
        environment: body.environment ?? "production",
        created_at: stamp(),
        creator: c.owner.login,
        description: body.description,
      },
      statuses: [],
    };
    c.repo.deployments.push(deployment);
    return { status: 201, body: build.deployment(c, deployment) };
  }

  function ownerState(login: string): OwnerState {
    const key = login.toLowerCase();
    let state = owners.get(key);
    if (!state) {
      state = {
        login,
        token: `ghp_${Math.random().toString(36).slice(2)}`,
        repos: new Map(),
        faults: [],
        calls: [],
        invalid: [],
        expectRefusals: false,
        rate: { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 },
        latencyMs: 0,
        nextId: 9_000_000,
      };
      owners.set(key, state);
    }
    return state;
  }

  function control(owner: OwnerState, op: ControlOp): void {
    switch (op.op) {
      case "seed":
        owner.token = op.token;
        owner.repos = new Map(op.repos.map((r) => [r.name.toLowerCase(), repoState(r)]));
        owner.faults = [];
        owner.calls = [];
        owner.invalid = [];
        owner.expectRefusals = false;
        owner.latencyMs = 0;
        owner.rate = { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };
        return;
      case "fault":
        owner.faults.push({ times: 1, ...op.fault });
        return;
      case "clear-faults":
        owner.faults = [];
        return;
      case "rate":
        owner.rate.remaining = op.remaining;
        owner.rate.reset = Math.floor(Date.now() / 1000) + (op.resetInSeconds ?? 3600);
        return;
      case "token":
        owner.token = op.token;
        return;
      case "latency":
        owner.latencyMs = op.ms;
        return;
      case "update-run": {
        const run = owner.repos
          .get(op.repo.toLowerCase())
          ?.runs.find((r) => r.seed.id === op.run.id);
        if (run) Object.assign(run.seed, { updated_at: stamp(), ...op.run });
        return;
      }
      case "add-status": {
        const d = owner.repos
          .get(op.repo.toLowerCase())
          ?.deployments.find((x) => x.seed.id === op.deployment);
        if (d) d.statuses.push({ id: owner.nextId++, created_at: stamp(), ...op.status });
        return;
      }
      case "expect-refusals":
        owner.expectRefusals = true;
        return;
    }
  }

  /** Times left out of a seed are fixed now, so an object reads the same on every request. */
  function repoState(seed: SeedRepo): RepoState {
    const now = stamp();
    const alerts = <T extends { created_at?: string }>(list: T[] | "disabled" | undefined) =>
      Array.isArray(list) ? list.map((a) => ({ created_at: now, ...a })) : list;
    return {
      id: seed.id ?? 100_000 + Math.floor(Math.random() * 800_000),
      name: seed.name,
      runs: (seed.runs ?? []).map((r) => ({
        seed: { created_at: now, ...r },
        jobs: (r.jobs ?? []).map((j) => ({ ...j })),
      })),
      deployments: (seed.deployments ?? []).map((d) => ({
        seed: { created_at: now, ...d },
        statuses: (d.statuses ?? []).map((s, i) => ({ id: d.id * 100 + i, created_at: now, ...s })),
      })),
      codeScanning: alerts(seed.codeScanning),
      dependabot: alerts(seed.dependabot),
    };
  }

  /** Serves one API request: latency, faults, auth, rate limit, then the operation. */
  async function api(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer) {
    const method = req.method ?? "GET";
    const match = matchRoute(routes, method, url.pathname);
    const login = /^\/repos\/([^/]+)\//.exec(url.pathname + "/")?.[1] ?? "";
    const owner = owners.get(login.toLowerCase());
    if (!owner) return send(res, undefined, error(404, "Not Found"), undefined);
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = raw.toString("utf8");
    }
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      authorized: req.headers.authorization !== undefined,
      ...(body !== undefined ? { body } : {}),
    };
    owner.calls.push(call);
    if (owner.latencyMs > 0) await new Promise((r) => setTimeout(r, owner.latencyMs));

    const fault = owner.faults.find(
      (f) =>
        (f.times ?? 1) > 0 &&
        (!f.path || url.pathname.includes(f.path)) &&
        (!f.method || f.method === method),
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      const injected = faultAnswer(owner, fault);
      if (injected === "timeout") {
        call.status = -1;
        setTimeout(() => res.destroy(), 30_000).unref();
        return;
      }
      if (injected === "garbage") {
        call.status = 200;
        res.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          ...rateHeaders(owner),
        });
        res.end('{"total_count": 3, "workflow_runs": [{"id": 1,');
        return;
      }
      return send(res, call, injected, match?.route.template, owner, method);
    }

    const auth = req.headers.authorization ?? "";
    if (auth !== `token ${owner.token}` && auth !== `Bearer ${owner.token}`)
      return send(res, call, error(401, "Bad credentials"), match?.route.template, owner, method);
    if (owner.rate.remaining <= 0)
      return send(
        res,
        call,
        error(
          403,
          `API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000.`,
          "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        ),
        match?.route.template,
        owner,
        method,
      );
    owner.rate.remaining--;
    if (!match) return send(res, call, error(404, "Not Found"), undefined, owner, method);
    const repo = owner.repos.get((match.params.repo ?? "").toLowerCase());
    if (!repo) return send(res, call, error(404, "Not Found"), match.route.template, owner, method);
    const requestProblems =
      body === undefined ? [] : schemas.request(method, match.route.template, body);
    if (requestProblems.length > 0) return refuse(res, call, owner, "request", requestProblems);
    const answer = match.route.handle({
      owner,
      repo,
      params: match.params,
      query: url.searchParams,
      body,
      base,
    });
    return send(res, call, answer, match.route.template, owner, method);
  }

  function faultAnswer(owner: OwnerState, fault: Fault): Answer | "timeout" | "garbage" {
    switch (fault.kind) {
      case "timeout":
      case "garbage":
        return fault.kind;
      case "unauthorized":
        return error(401, "Bad credentials");
      case "ratelimit":
        owner.rate.remaining = 0;
        return error(
          403,
          "API rate limit exceeded for user ID 1.",
          "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        );
      case "secondary":
        return {
          ...error(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          ),
          headers: { "Retry-After": String(fault.retryAfter ?? 60) },
        };
      case "raw":
        return { status: fault.status ?? 200, body: fault.body, headers: fault.headers };
      default:
        return error(fault.status ?? 500, fault.message ?? "Server Error");
    }
  }

  function rateHeaders(owner: OwnerState): Record<string, string> {
    return {
      "X-RateLimit-Limit": String(owner.rate.limit),
      "X-RateLimit-Remaining": String(Math.max(0, owner.rate.remaining)),
      "X-RateLimit-Reset": String(owner.rate.reset),
      "X-RateLimit-Used": String(owner.rate.limit - Math.max(0, owner.rate.remaining)),
      "X-RateLimit-Resource": "core",
    };
  }

  function send(
    res: ServerResponse,
    call: RecordedCall | undefined,
    answer: Answer,
    template: string | undefined,
    owner?: OwnerState,
    method = "GET",
  ): void {
    const problems = template
      ? schemas.response(method, template, answer.status, answer.body)
      : answer.status >= 400
        ? schemas.error(answer.body)
        : ["no operation"];
    if (problems.length > 0 && owner && call) return refuse(res, call, owner, "response", problems);
    if (call) call.status = answer.status;
    const headers: Record<string, string> = {
      "X-GitHub-Request-Id": `STANDIN:${Math.random().toString(16).slice(2, 10)}`,
      "X-GitHub-Api-Version-Selected": "2022-11-28",
      ...(owner ? rateHeaders(owner) : {}),
      ...answer.headers,
    };
    if (answer.body === undefined) {
      res.writeHead(answer.status, headers).end();
      return;
    }
    res
      .writeHead(answer.status, { "Content-Type": "application/json; charset=utf-8", ...headers })
      .end(JSON.stringify(answer.body));
  }

  function refuse(
    res: ServerResponse,
    call: RecordedCall,
    owner: OwnerState,
    what: "request" | "response",
    problems: string[],
  ): void {
    const line = `${call.method} ${call.path}: ${what} does not match GitHub's schema: ${problems.join("; ")}`;
    // Logged too, so a refusal no test looks for still shows in the run's output.
    if (!owner.expectRefusals) console.error(`[github-standin] ${line}`);
    owner.invalid.push(line);
    call.status = 599;
    res
      .writeHead(599, { "Content-Type": "application/json" })
      .end(JSON.stringify({ message: line }));
  }

  function download(res: ServerResponse, req: IncomingMessage, parts: string[]): void {
    const [login = "", repoName = "", jobId = ""] = parts;
    const owner = owners.get(login.toLowerCase());
    const job = owner?.repos
      .get(repoName.toLowerCase())
      ?.runs.flatMap((r) => r.jobs)
      .find((j) => j.id === Number(jobId));
    owner?.calls.push({
      method: "GET",
      path: `/__downloads/${parts.join("/")}`,
      query: "",
      status: job?.log === undefined ? 404 : 200,
      authorized: req.headers.authorization !== undefined,
    });
    if (job?.log === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end(job.log);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", base);
      const handle = async () => {
        if (url.pathname.startsWith("/__control/")) {
          const owner = ownerState(decodeURIComponent(url.pathname.slice("/__control/".length)));
          if (req.method === "POST") control(owner, JSON.parse(raw.toString("utf8")) as ControlOp);
          const state: StandinState = { calls: owner.calls, invalid: owner.invalid };
          res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(state));
          return;
        }
        if (url.pathname.startsWith("/__downloads/"))
          return download(res, req, url.pathname.slice("/__downloads/".length).split("/"));
        await api(req, res, url, raw);
      };
      handle().catch((e: unknown) => {
        console.error("[github-standin]", e);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url: base,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function matchRoute<R extends { method: string; template: string }>(
  routes: R[],
  method: string,
  path: string,
): { route: R; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = route.template.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const m = new RegExp(`^${pattern}$`).exec(path);
    if (m)
      return {
        route,
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")])),
      };
  }
  return undefined;
}

function page<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Math.min(100, Number(query.get("per_page") ?? 30) || 30);
  const n = Math.max(1, Number(query.get("page") ?? 1) || 1);
  return items.slice((n - 1) * perPage, n * perPage);
}
