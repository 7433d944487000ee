import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Deployment, Pipeline, SecurityScan, SourceStatus } from "../../schema";
import { deliver, githubWorkspace } from "../helpers/github";
import { GithubStandin, ago, connectGithub } from "../helpers/github-standin";
import { bearer, call, makeWorkspace, type TestWorkspace } from "../helpers/workspace";
import type { SeedRepo } from "../peers/github-standin-types";

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);

/** One repository with a bit of everything the collector reads. */
function appRepo(): SeedRepo {
  return {
    name: "app",
    id: 4242,
    runs: [
      {
        id: 11,
        name: "CI",
        status: "completed",
        conclusion: "success",
        head_sha: SHA_A,
        created_at: ago(600),
        updated_at: ago(500),
        jobs: [
          {
            id: 111,
            name: "build",
            status: "completed",
            conclusion: "success",
            started_at: ago(590),
            completed_at: ago(560),
          },
          {
            id: 112,
            name: "test",
            status: "completed",
            conclusion: "success",
            started_at: ago(555),
            completed_at: ago(500),
          },
        ],
      },
      {
        id: 12,
        name: "CI",
        status: "in_progress",
        head_sha: SHA_B,
        created_at: ago(60),
        jobs: [{ id: 121, name: "build", status: "in_progress", started_at: ago(50) }],
      },
    ],
    deployments: [
      {
        id: 5,
        sha: SHA_A,
        ref: "main",
        environment: "production",
        created_at: ago(400),
        statuses: [
          { state: "in_progress", created_at: ago(390) },
          { state: "success", created_at: ago(300) },
        ],
      },
      {
        id: 6,
        sha: SHA_B,
        ref: "main",
        environment: "staging",
        created_at: ago(30),
        statuses: [{ state: "in_progress", created_at: ago(20) }],
      },
    ],
    codeScanning: [
      {
        number: 1,
        state: "open",
        rule: "js/xss",
        description: "Cross-site scripting",
        securitySeverity: "high",
        created_at: ago(900),
      },
      { number: 2, state: "fixed", rule: "js/zipslip", created_at: ago(900), updated_at: ago(100) },
    ],
    dependabot: [
      {
        number: 3,
        state: "open",
        package: "lodash",
        severity: "critical",
        summary: "Prototype pollution",
        created_at: ago(800),
      },
    ],
  };
}

async function read<T>(ws: TestWorkspace, path: string, key: string): Promise<T> {
  const res = await call(`/w/${ws.id}/api/${path}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as Record<string, T>)[key]!;
}

const source = async (ws: TestWorkspace) =>
  (await read<SourceStatus[]>(ws, "status", "sources")).find((s) => s.id === "github")!;

const refresh = async (ws: TestWorkspace) =>
  (
    (await (
      await call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }))
    ).json()) as {
      results: Record<string, string>;
    }
  ).results.github;

/** How many `sources` frames the workspace has published (its event log). */
const sourcesFrames = (ws: TestWorkspace) =>
  runInDurableObject(
    ws.stub,
    (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'sources'")
        .one().n,
  );

async function setup(repos: SeedRepo[] = [appRepo()]) {
  const ws = await makeWorkspace("ghc");
  const gh = await GithubStandin.create(repos);
  const res = await connectGithub(
    ws,
    gh,
    repos.map((r) => r.name),
  );
  expect(res.status).toBe(200);
  await firstRun(ws);
  return { ws, gh };
}

async function until(check: () => Promise<boolean>, what = "condition"): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached within 10 s`);
}

/** Saving the integration schedules a collection now, and the test runtime fires alarms. */
const firstRun = (ws: TestWorkspace) =>
  until(async () => (await source(ws)).status !== "pending", "first GitHub collection");

describe("GitHub collector on the workspace alarm", () => {
  it("collects runs with their jobs, deployments with their latest status, and security alerts", async () => {
    const fresh = await makeWorkspace("ghc");
    expect((await source(fresh)).status).toBe("not_configured");
    const { ws, gh } = await setup();

    const pipelines = await read<Pipeline[]>(ws, "pipelines", "pipelines");
    expect(pipelines.map((p) => p.id).sort()).toEqual(["gh-run-11", "gh-run-12"]);
    const done = await read<Pipeline>(ws, "pipeline/gh-run-11", "pipeline");
    expect(done).toMatchObject({
      status: "success",
      commit: SHA_A,
      repository: `${gh.owner}/app`,
      source: "github",
    });
    expect(done.stages.map((s) => [s.id, s.status])).toEqual([
      ["gh-job-111", "success"],
      ["gh-job-112", "success"],
    ]);
    const running = await read<Pipeline>(ws, "pipeline/gh-run-12", "pipeline");
    expect(running.status).toBe("running");
    expect(running.stages).toMatchObject([{ id: "gh-job-121", status: "running" }]);

    const deployments = await read<Deployment[]>(ws, "deployments", "deployments");
    expect(deployments.map((d) => [d.id, d.environment, d.status, d.state])).toEqual([
      ["gh-deploy-6", "staging", "running", "in_progress"],
      ["gh-deploy-5", "production", "success", "success"],
    ]);

    const scans = await read<SecurityScan[]>(ws, "security", "scans");
    const byId = Object.fromEntries(scans.map((s) => [s.id, s]));
    expect(byId["gh-code-scanning-4242-1"]).toMatchObject({
      kind: "code_scanning",
      status: "failed",
      severity: "error",
    });
    expect(byId["gh-code-scanning-4242-2"]).toMatchObject({ status: "passed", state: "fixed" });
    expect(byId["gh-dependabot-4242-3"]).toMatchObject({
      kind: "dependabot",
      status: "failed",
      severity: "critical",
    });

    expect(await source(ws)).toMatchObject({ status: "live" });
    const state = await gh.state();
    expect(state.invalid).toEqual([]);
    // First run: repository id, runs, deployments, 2 security lists, jobs of both runs,
    // statuses of both deployments.
    expect(
      state.calls.map((c) => `${c.method} ${c.path.replace(`/repos/${gh.owner}/app`, "")}`).sort(),
    ).toEqual(
      [
        "GET ",
        "GET /actions/runs",
        "GET /actions/runs/11/jobs",
        "GET /actions/runs/12/jobs",
        "GET /code-scanning/alerts",
        "GET /dependabot/alerts",
        "GET /deployments",
        "GET /deployments/5/statuses",
        "GET /deployments/6/statuses",
      ].sort(),
    );
    expect(state.calls.every((c) => c.authorized)).toBe(true);
  });

  it("later runs read only what may have changed, and security on its own cadence", async () => {
    const { ws, gh } = await setup();
    const before = (await gh.calls()).length;
    expect(await refresh(ws)).toBe("ran");
    const second = (await gh.calls(before)).map((c) =>
      c.path.replace(`/repos/${gh.owner}/app`, ""),
    );
    // The finished run and the finished deployment are not read again; security is not due.
    expect(second.sort()).toEqual(
      ["/actions/runs", "/actions/runs/12/jobs", "/deployments", "/deployments/6/statuses"].sort(),
    );

    // The run finishes: its jobs are read once more, then never again.
    await gh.control({
      op: "update-run",
      repo: "app",
      run: { id: 12, status: "completed", conclusion: "failure" },
    });
    const mark = (await gh.calls()).length;
    await refresh(ws);
    expect((await gh.calls(mark)).some((c) => c.path.endsWith("/runs/12/jobs"))).toBe(true);
    expect((await read<Pipeline>(ws, "pipeline/gh-run-12", "pipeline")).status).toBe("failed");
    const again = (await gh.calls()).length;
    await refresh(ws);
    expect((await gh.calls(again)).some((c) => c.path.endsWith("/jobs"))).toBe(false);
  });

  it("produces the records a webhook produces: a delivery of the same run changes nothing", async () => {
    const ws = await githubWorkspace();
    const gh = await GithubStandin.create([appRepo()]);
    await connectGithub(ws, gh, ["app"]);
    await firstRun(ws);
    const run = await gh.get("app/actions/runs/11");
    const body = JSON.stringify({
      action: "completed",
      workflow_run: run,
      repository: (run as { repository: unknown }).repository,
    });
    const res = await deliver(ws.id, "workflow_run", body, { secret: ws.secret });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { status: string; changed: { pipelines: string[] } };
    expect(result).toMatchObject({ status: "accepted", changed: { pipelines: [] } });
  });

  it("isolates a failing GitHub: stale with the reason, last data kept, one broadcast, then recovers", async () => {
    const { ws, gh } = await setup();
    const good = await source(ws);
    const kept = await read<Pipeline[]>(ws, "pipelines", "pipelines");
    const frames = await sourcesFrames(ws);

    await gh.fault({ kind: "status", status: 502, path: "/actions/runs", times: 3 });
    expect(await refresh(ws)).toBe("failed");
    const failing = await source(ws);
    expect(failing).toMatchObject({ status: "stale", lastSuccessAt: good.lastSuccessAt });
    expect(failing.lastError).toContain("502");
    expect(await read<Pipeline[]>(ws, "pipelines", "pipelines")).toEqual(kept);
    // A second failure with the same reason tells no one again.
    expect(await refresh(ws)).toBe("failed");
    expect(await sourcesFrames(ws)).toBe(frames + 1);

    await gh.control({ op: "clear-faults" });
    expect(await refresh(ws)).toBe("ran");
    const back = await source(ws);
    expect(back.status).toBe("live");
    expect(back.lastError).toBeUndefined();
    expect(await sourcesFrames(ws)).toBe(frames + 2);
  });

  it("says so when GitHub sends JSON it cannot read, and keeps the data", async () => {
    const { ws, gh } = await setup();
    await gh.fault({ kind: "garbage", path: "/actions/runs" });
    expect(await refresh(ws)).toBe("failed");
    const failing = await source(ws);
    expect(failing.status).toBe("stale");
    expect(failing.lastError).toMatch(/cannot read/);
    expect((await read<Pipeline[]>(ws, "pipelines", "pipelines")).length).toBe(2);
  });

  it("gives up on a GitHub that does not answer within the deadline", async () => {
    const { ws, gh } = await setup();
    await gh.fault({ kind: "timeout", path: "/deployments" });
    const started = Date.now();
    expect(await refresh(ws)).toBe("failed");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await source(ws)).lastError).toMatch(/no answer within 10000 ms/);
  }, 40_000);

  it("reports a revoked token as credentials invalid, and collects at once when it is replaced", async () => {
    const { ws, gh } = await setup();
    await gh.control({ op: "token", token: "ghp_rotated" });
    expect(await refresh(ws)).toBe("failed");
    const failing = await source(ws);
    expect(failing.status).toBe("error");
    expect(failing.lastError).toMatch(/^credentials invalid: .*401/);
    expect(failing.lastError).not.toContain(gh.token);

    const res = await call(`/w/${ws.id}/api/integrations/github`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.admin}` },
      body: JSON.stringify({
        token: "ghp_rotated",
        owner: gh.owner,
        repositories: ["app"],
        apiUrl: gh.url,
      }),
    });
    expect(res.status).toBe(200);
    await until(async () => (await source(ws)).status === "live");
    expect((await source(ws)).status).toBe("live");
  });

  it("stops at an exhausted rate limit and waits for its reset without calling again", async () => {
    const { ws, gh } = await setup();
    await gh.control({ op: "rate", remaining: 0, resetInSeconds: 900 });
    expect(await refresh(ws)).toBe("failed");
    const failing = await source(ws);
    expect(failing.status).toBe("stale");
    expect(failing.lastError).toMatch(/rate limit/);
    const next = await runInDurableObject(ws.stub, (_i, state) =>
      Number(
        state.storage.sql
          .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'alarm:collect:github'")
          .one().value,
      ),
    );
    expect(next).toBeGreaterThan(Date.now() + 800_000);
    // Before the reset, a Refresh makes no call at all.
    const calls = (await gh.calls()).length;
    expect(await refresh(ws)).toBe("failed");
    expect((await gh.calls()).length).toBe(calls);
  });

  it("honours a secondary rate limit's retry-after", async () => {
    const { ws, gh } = await setup();
    await gh.fault({ kind: "secondary", retryAfter: 120, path: "/deployments" });
    expect(await refresh(ws)).toBe("failed");
    expect((await source(ws)).lastError).toMatch(/secondary rate limit/);
    const next = await runInDurableObject(ws.stub, (_i, state) =>
      Number(
        state.storage.sql
          .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'alarm:collect:github'")
          .one().value,
      ),
    );
    expect(next).toBeGreaterThan(Date.now() + 100_000);
    expect(next).toBeLessThan(Date.now() + 130_000);
  });

  it("runs one collection when a Refresh overlaps a running one", async () => {
    const { ws, gh } = await setup();
    await gh.control({ op: "latency", ms: 300 });
    const mark = (await gh.calls()).length;
    const [a, b] = await Promise.all([refresh(ws), refresh(ws)]);
    expect([a, b].sort()).toEqual(["ran", "skipped"]);
    expect((await gh.calls(mark)).filter((c) => c.path.endsWith("/actions/runs"))).toHaveLength(1);
  });

  it("treats security features that are off as a note, not a failure", async () => {
    const repo = {
      ...appRepo(),
      codeScanning: "disabled" as const,
      dependabot: "disabled" as const,
    };
    const { ws, gh } = await setup([repo]);
    expect((await source(ws)).status).toBe("live");
    expect((await read<Deployment[]>(ws, "deployments", "deployments")).length).toBe(2);
    // Asked once; not again before the security interval.
    const mark = (await gh.calls()).length;
    expect(await refresh(ws)).toBe("ran");
    expect((await gh.calls(mark)).some((c) => /code-scanning|dependabot/.test(c.path))).toBe(false);
  });

  it("keeps each run within its request budget and takes many repositories in turn", async () => {
    const repos: SeedRepo[] = Array.from({ length: 12 }, (_, i) => ({
      name: `svc-${i}`,
      runs: [
        {
          id: 1000 + i,
          status: "completed",
          conclusion: "success",
          head_sha: SHA_A,
          jobs: [{ id: 5000 + i, name: "build", status: "completed" }],
        },
      ],
    }));
    const { ws, gh } = await setup(repos);
    const seen = new Set<string>();
    const first = await gh.calls();
    for (const c of first) seen.add(c.path.split("/")[3]!);
    const perRun: number[] = [first.length];
    for (let run = 0; run < 3; run++) {
      const before = (await gh.calls()).length;
      await refresh(ws);
      const calls = await gh.calls(before);
      perRun.push(calls.length);
      for (const c of calls) seen.add(c.path.split("/")[3]!);
    }
    expect(
      Math.max(...perRun),
      `GitHub requests per run with 12 repositories: ${perRun.join(", ")}`,
    ).toBeLessThanOrEqual(40);
    expect(seen.size).toBe(12);
    expect((await read<Pipeline[]>(ws, "pipelines", "pipelines")).length).toBe(12);
  });
});
