import { describe, expect, it } from "vitest";
import type { AuditRecord, Deployment, DeploymentLog, ProviderAction } from "../../schema";
import {
  ago,
  type GithubStandin,
  expectOperatorOnly,
  liveGithubWorkspace,
  postAction,
} from "../helpers/github-standin";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import type { SeedRepo } from "../peers/github-standin-types";

const sha = (c: string) => c.repeat(40);

/**
 * Production: 101 ok (A) → 102 failed (B) → 103 ok (C, current); staging: 104 ok (D);
 * production 105 is still running (E) in another repository state test.
 */
function repo(): SeedRepo {
  return {
    name: "shop",
    runs: [{ id: 1, status: "completed", head_sha: sha("f"), head_branch: "main" }],
    deployments: [
      {
        id: 101,
        sha: sha("a"),
        ref: "main",
        environment: "production",
        created_at: ago(3 * 3600),
        statuses: [{ state: "success", created_at: ago(3 * 3600 - 60) }],
      },
      {
        id: 102,
        sha: sha("b"),
        ref: "main",
        environment: "production",
        created_at: ago(2 * 3600),
        statuses: [
          { state: "failure", description: "migrations failed", created_at: ago(2 * 3600 - 60) },
        ],
      },
      {
        id: 103,
        sha: sha("c"),
        ref: "main",
        environment: "production",
        created_at: ago(3600),
        statuses: [
          { state: "in_progress", created_at: ago(3590) },
          {
            state: "success",
            description: "live",
            log_url: "https://ci.example.com/runs/103",
            created_at: ago(3500),
          },
        ],
      },
      {
        id: 104,
        sha: sha("d"),
        ref: "main",
        environment: "staging",
        created_at: ago(1800),
        statuses: [{ state: "success", created_at: ago(1700) }],
      },
      {
        id: 105,
        sha: sha("e"),
        ref: "main",
        environment: "preview-1",
        created_at: ago(60),
        statuses: [{ state: "in_progress", created_at: ago(50) }],
      },
    ],
  };
}

const setup = () => liveGithubWorkspace("gha", repo());
const post = postAction;

async function deployments(ws: TestWorkspace): Promise<Deployment[]> {
  const res = await call(`/w/${ws.id}/api/deployments?limit=100`, bearer(ws.viewer));
  return ((await res.json()) as { deployments: Deployment[] }).deployments;
}

async function actions(ws: TestWorkspace): Promise<ProviderAction[]> {
  const res = await call(`/w/${ws.id}/api/integrations/github/actions`, bearer(ws.operator));
  return ((await res.json()) as { actions: ProviderAction[] }).actions;
}

const creates = async (gh: GithubStandin, since = 0) =>
  (await gh.calls(since)).filter((c) => c.method === "POST" && c.path.endsWith("/deployments"));

describe("rollback", () => {
  it("redeploys the last earlier successful version of the environment through GitHub", async () => {
    const { ws, gh } = await setup();
    const res = await post(ws, "deployments/gh-deploy-103/rollback");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      success: boolean;
      deployment: Deployment;
      action: ProviderAction;
    };
    expect(body.success).toBe(true);
    // 102 failed, so the version before 103 that worked is 101's.
    expect(body.deployment).toMatchObject({
      commit: sha("a"),
      environmentName: "production",
      status: "pending",
      state: "queued",
      source: "github",
    });
    expect(body.action).toMatchObject({
      kind: "deployment.rollback",
      state: "succeeded",
      target: "gh-deploy-103",
      rollbackTo: "gh-deploy-101",
      resultId: body.deployment.id,
    });

    const [create] = await creates(gh);
    expect(create!.body).toMatchObject({
      ref: sha("a"),
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    const status = (await gh.calls()).find(
      (c) => c.method === "POST" && c.path.endsWith("/statuses"),
    );
    expect(status!.body).toMatchObject({ state: "queued" });
    expect((await gh.state()).invalid).toEqual([]);

    expect((await deployments(ws)).map((d) => d.id)).toContain(body.deployment.id);
    const audit = (await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).json()) as {
      entries?: AuditRecord[];
      records?: AuditRecord[];
    };
    const entries = audit.entries ?? audit.records ?? [];
    expect(JSON.stringify(entries)).toContain("deployment.rollback");
  });

  it("refuses a second rollback of the environment while the first is in flight, without calling GitHub", async () => {
    const { ws, gh } = await setup();
    expect((await post(ws, "deployments/gh-deploy-103/rollback")).status).toBe(200);
    const before = (await gh.calls()).length;
    const second = await expectProblem(
      await post(ws, "deployments/gh-deploy-103/rollback"),
      409,
      "rollback_conflict",
    );
    expect(second.detail).toMatch(/already in flight/);
    expect(await gh.calls(before)).toEqual([]);

    // The rollback's deployment finishes: the environment is free again.
    const created = (await creates(gh))[0]!;
    const id = (await deployments(ws)).find(
      (d) => d.commit === sha("a") && d.id !== "gh-deploy-101",
    )!.id;
    await gh.control({
      op: "add-status",
      repo: "shop",
      deployment: Number(id.replace("gh-deploy-", "")),
      status: { state: "success" },
    });
    expect(created).toBeTruthy();
    expect(
      ((await (await post(ws, "refresh")).json()) as { results: Record<string, string> }).results
        .github,
    ).toBe("ran");
    expect((await post(ws, "deployments/gh-deploy-103/rollback")).status).toBe(200);
  });

  it("lets only one of two concurrent rollbacks of an environment through", async () => {
    const { ws, gh } = await setup();
    await gh.control({ op: "latency", ms: 200 });
    const results = await Promise.all([
      post(ws, "deployments/gh-deploy-103/rollback"),
      post(ws, "deployments/gh-deploy-103/rollback"),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(((await refused.json()) as { code: string }).code).toBe("rollback_conflict");
    expect(await creates(gh)).toHaveLength(1);
  });

  it("refuses targets that are not older successful deployments of the same environment", async () => {
    const { ws, gh } = await setup();
    const before = (await gh.calls()).length;
    // Failed, later, other environment, unknown, itself.
    for (const targetId of ["gh-deploy-102", "gh-deploy-104", "gh-deploy-999", "gh-deploy-103"]) {
      const problem = await expectProblem(
        await post(ws, "deployments/gh-deploy-103/rollback", { targetId }),
        409,
        "rollback_conflict",
      );
      expect(problem.detail).toContain(targetId);
    }
    // Rolling back the first deployment: nothing earlier to go back to.
    await expectProblem(
      await post(ws, "deployments/gh-deploy-101/rollback"),
      409,
      "rollback_conflict",
    );
    expect(await gh.calls(before)).toEqual([]);
    // An explicit, valid target is honoured.
    const ok = await post(ws, "deployments/gh-deploy-103/rollback", { targetId: "gh-deploy-101" });
    expect(ok.status).toBe(200);
  });

  it("answers GitHub failures with clear 409/502/503, records them, and leaves no state behind", async () => {
    const { ws, gh } = await setup();
    const count = (await deployments(ws)).length;
    const cases = [
      { fault: { kind: "unauthorized" as const }, status: 502, match: /401/ },
      { fault: { kind: "ratelimit" as const }, status: 503, match: /rate limit/ },
      {
        fault: { kind: "secondary" as const, retryAfter: 30 },
        status: 503,
        match: /secondary rate limit/,
      },
      { fault: { kind: "status" as const, status: 500 }, status: 502, match: /500/ },
      {
        fault: {
          kind: "raw" as const,
          status: 422,
          body: {
            message: "Conflict: Commit status checks failed for main.",
            documentation_url: "https://docs.github.com/rest",
          },
        },
        status: 409,
        match: /Commit status checks failed/,
      },
    ];
    for (const c of cases) {
      await gh.control({ op: "rate", remaining: 5000 });
      await gh.fault({ ...c.fault, path: "/deployments", method: "POST" });
      const res = await post(ws, "deployments/gh-deploy-103/rollback");
      const problem = await expectProblem(
        res,
        c.status,
        c.status === 409 ? "provider_conflict" : "upstream_error",
      );
      expect(problem.detail).toMatch(c.match);
      if (c.status === 503) expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    }
    expect((await deployments(ws)).length).toBe(count);
    const recorded = await actions(ws);
    expect(recorded).toHaveLength(cases.length);
    expect(recorded.every((a) => a.state === "failed" && a.reason)).toBe(true);
    expect(recorded.find((a) => a.upstreamStatus === 422)).toMatchObject({ retryable: false });
    expect(recorded.find((a) => a.upstreamStatus === 401)).toMatchObject({ retryable: true });
    // A failed rollback holds no lock: the next attempt goes through.
    expect((await post(ws, "deployments/gh-deploy-103/rollback")).status).toBe(200);
  });

  it("answers 503 when GitHub does not answer in time", async () => {
    const { ws, gh } = await setup();
    await gh.fault({ kind: "timeout", path: "/deployments", method: "POST" });
    const res = await post(ws, "deployments/gh-deploy-103/rollback");
    const problem = await expectProblem(res, 503, "upstream_error");
    expect(problem.detail).toMatch(/did not answer/);
    expect((await actions(ws))[0]).toMatchObject({ state: "failed", retryable: true });
  }, 40_000);
});

describe("retry", () => {
  it("redeploys the same commit to the same environment", async () => {
    const { ws, gh } = await setup();
    const res = await post(ws, "deployments/gh-deploy-102/retry");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deployment: Deployment; action: ProviderAction };
    expect(body.deployment).toMatchObject({
      commit: sha("b"),
      environmentName: "production",
      status: "pending",
    });
    expect(body.action).toMatchObject({ kind: "deployment.retry", state: "succeeded" });
    expect((await creates(gh))[0]!.body).toMatchObject({
      ref: sha("b"),
      environment: "production",
    });
  });

  it("refuses a deployment still running, and GitHub's refusal comes back as 409", async () => {
    const { ws, gh } = await setup();
    await expectProblem(
      await post(ws, "deployments/gh-deploy-105/retry"),
      409,
      "deployment_in_progress",
    );
    await gh.fault({
      kind: "raw",
      path: "/deployments",
      method: "POST",
      status: 422,
      body: {
        message: "No ref found for: main",
        documentation_url: "https://docs.github.com/rest",
      },
    });
    const problem = await expectProblem(
      await post(ws, "deployments/gh-deploy-102/retry"),
      409,
      "provider_conflict",
    );
    expect(problem.detail).toContain("No ref found for: main");
  });

  it("replays a retry sent twice with one Idempotency-Key: one deployment", async () => {
    const { ws, gh } = await setup();
    const init = () =>
      bearer(ws.operator, { method: "POST", headers: { "Idempotency-Key": "retry-102-once" } });
    const first = await call(`/w/${ws.id}/api/deployments/gh-deploy-102/retry`, init());
    const again = await call(`/w/${ws.id}/api/deployments/gh-deploy-102/retry`, init());
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(await creates(gh)).toHaveLength(1);
  });
});

describe("deployment logs", () => {
  it("reads the deployment's statuses from GitHub, oldest first", async () => {
    const { ws } = await setup();
    const res = await call(`/w/${ws.id}/api/deployments/gh-deploy-103/logs`, bearer(ws.operator));
    expect(res.status).toBe(200);
    const { logs } = (await res.json()) as { logs: DeploymentLog[] };
    expect(logs.map((l) => l.level)).toEqual(["info", "info", "success"]);
    expect(logs[0]!.message).toContain(sha("c").slice(0, 7));
    expect(logs[2]!.message).toContain("https://ci.example.com/runs/103");
    const times = logs.map((l) => Date.parse(l.time));
    expect(times).toEqual(times.toSorted((a, b) => a - b));
  });

  it("maps a failed read to upstream_error", async () => {
    const { ws, gh } = await setup();
    await gh.fault({ kind: "status", status: 503, path: "/statuses" });
    await expectProblem(
      await call(`/w/${ws.id}/api/deployments/gh-deploy-103/logs`, bearer(ws.operator)),
      502,
      "upstream_error",
    );
  });
});

describe("deployment actions: who may, and bad input", () => {
  it("needs the operator role, a credential, and this workspace", async () => {
    const { ws } = await setup();
    const other = await makeWorkspace("gha");
    await expectOperatorOnly(ws, other, [
      "deployments/gh-deploy-103/rollback",
      "deployments/gh-deploy-102/retry",
    ]);
    await expectProblem(
      await call(`/w/${ws.id}/api/deployments/gh-deploy-103/logs`, bearer(ws.viewer)),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/deployments/gh-deploy-103/logs`),
      401,
      "unauthenticated",
    );
  });

  it("answers unknown and malformed ids, and bad bodies, before any GitHub call", async () => {
    const { ws, gh } = await setup();
    const before = (await gh.calls()).length;
    await expectProblem(await post(ws, "deployments/gh-deploy-777/rollback"), 404, "not_found");
    await expectProblem(await post(ws, "deployments/gh-deploy-777/retry"), 404, "not_found");
    await expectProblem(
      await call(`/w/${ws.id}/api/deployments/gh-deploy-777/logs`, bearer(ws.operator)),
      404,
      "not_found",
    );
    await expectProblem(await post(ws, "deployments/..%2Fsecrets/retry"), 400, "validation_failed");
    await expectProblem(
      await post(ws, "deployments/gh-deploy-103/rollback", { targetId: "../x" }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await post(ws, "deployments/gh-deploy-103/rollback", { target: "gh-deploy-101" }),
      400,
      "validation_failed",
    );
    const text = await call(
      `/w/${ws.id}/api/deployments/gh-deploy-103/rollback`,
      bearer(ws.operator, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "x" }),
    );
    expect(text.status).toBe(415);
    expect(await gh.calls(before)).toEqual([]);
  });

  it("says GitHub is not configured when it is switched off", async () => {
    const { ws, gh } = await setup();
    const off = await call(
      `/w/${ws.id}/api/integrations/github`,
      jsonInit("PUT", { enabled: false, owner: gh.owner, repositories: ["shop"] }, ws.admin),
    );
    expect(off.status).toBe(200);
    await expectProblem(
      await post(ws, "deployments/gh-deploy-103/rollback"),
      409,
      "github_not_configured",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/deployments/gh-deploy-103/logs`, bearer(ws.operator)),
      409,
      "github_not_configured",
    );
  });
});
