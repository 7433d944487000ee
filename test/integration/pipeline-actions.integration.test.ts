import { describe, expect, it } from "vitest";
import type { Pipeline, ProviderAction, StageLog } from "../../schema";
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
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import type { SeedRepo } from "../peers/github-standin-types";

const LOG = [
  "\uFEFF2024-05-01T10:00:00.1234567Z ##[group]Run npm test",
  "2024-05-01T10:00:01.5000000Z > opsdeck@1.0.0 test",
  "a continuation line without a timestamp",
  "2024-05-01T10:00:09.9990000Z ##[error]Process completed with exit code 1.",
  "",
].join("\n");

/** 201 failed, 202 running, 203 succeeded 40 days ago (too old to re-run). */
function repo(): SeedRepo {
  return {
    name: "api",
    runs: [
      {
        id: 201,
        name: "CI",
        status: "completed",
        conclusion: "failure",
        head_sha: "1".repeat(40),
        created_at: ago(3600),
        updated_at: ago(3000),
        jobs: [
          {
            id: 2011,
            name: "test",
            status: "completed",
            conclusion: "failure",
            started_at: ago(3500),
            completed_at: ago(3000),
            log: LOG,
          },
          {
            id: 2012,
            name: "lint",
            status: "completed",
            conclusion: "success",
            started_at: ago(3500),
            completed_at: ago(3400),
          },
        ],
      },
      {
        id: 202,
        name: "CI",
        status: "in_progress",
        head_sha: "2".repeat(40),
        created_at: ago(120),
        jobs: [
          {
            id: 2021,
            name: "test",
            status: "in_progress",
            started_at: ago(100),
            log: "2024-05-01T10:00:00Z still going\n",
          },
        ],
      },
      {
        id: 203,
        name: "CI",
        status: "completed",
        conclusion: "success",
        head_sha: "3".repeat(40),
        created_at: ago(40 * 86_400),
        updated_at: ago(40 * 86_400),
        jobs: [{ id: 2031, name: "test", status: "completed", conclusion: "success" }],
      },
    ],
  };
}

const setup = () => liveGithubWorkspace("ghp", repo());
const post = postAction;

async function pipeline(ws: TestWorkspace, id: string): Promise<Pipeline> {
  const res = await call(`/w/${ws.id}/api/pipeline/${id}`, bearer(ws.viewer));
  return ((await res.json()) as { pipeline: Pipeline }).pipeline;
}

async function actions(ws: TestWorkspace): Promise<ProviderAction[]> {
  const res = await call(`/w/${ws.id}/api/integrations/github/actions`, bearer(ws.operator));
  return ((await res.json()) as { actions: ProviderAction[] }).actions;
}

const posts = async (gh: GithubStandin, since = 0) =>
  (await gh.calls(since))
    .filter((c) => c.method === "POST")
    .map((c) => c.path.split("/").slice(-2).join("/"));

describe("re-run", () => {
  it("re-runs a finished run and shows GitHub's new attempt", async () => {
    const { ws, gh } = await setup();
    const res = await post(ws, "pipeline/gh-run-201/rerun");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      success: boolean;
      pipeline: Pipeline;
      action: ProviderAction;
    };
    expect(body.success).toBe(true);
    expect(body.pipeline).toMatchObject({ id: "gh-run-201", attempt: 2, status: "pending" });
    expect(body.action).toMatchObject({
      kind: "pipeline.rerun",
      state: "succeeded",
      target: "gh-run-201",
    });
    expect(await posts(gh)).toEqual(["201/rerun"]);
    expect(await pipeline(ws, "gh-run-201")).toMatchObject({ attempt: 2, status: "pending" });
    expect((await gh.state()).invalid).toEqual([]);
  });

  it("re-runs only the failed jobs when asked", async () => {
    const { ws, gh } = await setup();
    const res = await post(ws, "pipeline/gh-run-201/rerun", { failedOnly: true });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { action: ProviderAction }).action.kind).toBe(
      "pipeline.rerun-failed",
    );
    expect(await posts(gh)).toEqual(["201/rerun-failed-jobs"]);
  });

  it("passes on GitHub's refusal (running, too old) as 409 with its words; nothing changes", async () => {
    const { ws } = await setup();
    const running = await pipeline(ws, "gh-run-202");
    const busy = await expectProblem(
      await post(ws, "pipeline/gh-run-202/rerun"),
      409,
      "provider_conflict",
    );
    expect(busy.detail).toContain("This workflow is already running");
    const old = await expectProblem(
      await post(ws, "pipeline/gh-run-203/rerun"),
      409,
      "provider_conflict",
    );
    expect(old.detail).toContain("created over a month ago");
    expect(await pipeline(ws, "gh-run-202")).toEqual(running);
    const recorded = await actions(ws);
    expect(recorded.map((a) => [a.state, a.upstreamStatus, a.retryable])).toEqual([
      ["failed", 403, false],
      ["failed", 403, false],
    ]);
  });

  it("answers GitHub's own trouble with 502/503 and records the failure", async () => {
    const { ws, gh } = await setup();
    const before = await pipeline(ws, "gh-run-201");
    for (const [fault, status] of [
      [{ kind: "unauthorized" }, 502],
      [{ kind: "ratelimit" }, 503],
      [{ kind: "status", status: 502 }, 502],
    ] as const) {
      await gh.control({ op: "rate", remaining: 5000 });
      await gh.fault({ ...fault, path: "/rerun" });
      const res = await post(ws, "pipeline/gh-run-201/rerun");
      await expectProblem(res, status, "upstream_error");
    }
    expect(await pipeline(ws, "gh-run-201")).toEqual(before);
    expect((await actions(ws)).every((a) => a.state === "failed" && a.retryable)).toBe(true);
  });
});

describe("cancel", () => {
  it("cancels a running run", async () => {
    const { ws, gh } = await setup();
    const res = await post(ws, "pipeline/gh-run-202/cancel");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; pipeline: Pipeline };
    expect(body.success).toBe(true);
    expect(body.pipeline).toMatchObject({ status: "failed", conclusion: "cancelled" });
    expect(await posts(gh)).toEqual(["202/cancel"]);
  });

  it("passes on GitHub's 409 for a completed run", async () => {
    const { ws } = await setup();
    const problem = await expectProblem(
      await post(ws, "pipeline/gh-run-201/cancel"),
      409,
      "provider_conflict",
    );
    expect(problem.detail).toContain("Cannot cancel a workflow run that is completed.");
    expect((await pipeline(ws, "gh-run-201")).status).toBe("failed");
  });
});

describe("stage logs", () => {
  it("reads the job's log through GitHub's redirect, without sending the token there", async () => {
    const { ws, gh } = await setup();
    const res = await call(
      `/w/${ws.id}/api/pipeline/gh-run-201/logs/gh-job-2011`,
      bearer(ws.operator),
    );
    expect(res.status).toBe(200);
    const { logs, truncated } = (await res.json()) as { logs: StageLog[]; truncated: boolean };
    expect(truncated).toBe(false);
    expect(logs).toEqual([
      { time: "2024-05-01T10:00:00.123Z", message: "##[group]Run npm test" },
      { time: "2024-05-01T10:00:01.500Z", message: "> opsdeck@1.0.0 test" },
      { time: "2024-05-01T10:00:01.500Z", message: "a continuation line without a timestamp" },
      { time: "2024-05-01T10:00:09.999Z", message: "##[error]Process completed with exit code 1." },
    ]);
    const download = (await gh.calls()).find((c) => c.path.startsWith("/__downloads/"));
    expect(download).toMatchObject({ status: 200, authorized: false });
  });

  it("refuses a redirect to a place the URL policy forbids", async () => {
    const { ws, gh } = await setup();
    await gh.fault({
      kind: "raw",
      path: "/logs",
      status: 302,
      headers: { Location: "http://169.254.169.254/latest/meta-data" },
    });
    const problem = await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/gh-run-201/logs/gh-job-2011`, bearer(ws.operator)),
      502,
      "upstream_error",
    );
    expect(problem.detail).toMatch(/will not fetch/);
    expect((await gh.calls()).some((c) => c.path.startsWith("/__downloads/"))).toBe(false);
  });

  it("answers 404 for a stage that is not in the pipeline", async () => {
    const { ws } = await setup();
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/gh-run-201/logs/gh-job-2021`, bearer(ws.operator)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/gh-run-201/logs/gh-job-9`, bearer(ws.operator)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/gh-run-999/logs/gh-job-2011`, bearer(ws.operator)),
      404,
      "not_found",
    );
  });
});

describe("pipeline actions: who may, and bad input", () => {
  it("needs the operator role, a credential, and this workspace", async () => {
    const { ws } = await setup();
    const other = await makeWorkspace("ghp");
    await expectOperatorOnly(ws, other, [
      "pipeline/gh-run-201/rerun",
      "pipeline/gh-run-202/cancel",
    ]);
    const logs = `/w/${ws.id}/api/pipeline/gh-run-201/logs/gh-job-2011`;
    await expectProblem(await call(logs, bearer(ws.viewer)), 403, "forbidden");
    await expectProblem(await call(logs), 401, "unauthenticated");
  });

  it("answers bad ids and bodies before any GitHub call", async () => {
    const { ws, gh } = await setup();
    const before = (await gh.calls()).length;
    await expectProblem(await post(ws, "pipeline/gh-run-999/rerun"), 404, "not_found");
    await expectProblem(await post(ws, "pipeline/gh-run-999/cancel"), 404, "not_found");
    await expectProblem(await post(ws, "pipeline/..%2Fx/rerun"), 400, "validation_failed");
    await expectProblem(
      await post(ws, "pipeline/gh-run-201/rerun", { failedOnly: "yes" }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await post(ws, "pipeline/gh-run-201/rerun", { all: true }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/pipeline/gh-run-201/logs/a%00b`, bearer(ws.operator)),
      400,
      "validation_failed",
    );
    expect(await gh.calls(before)).toEqual([]);
  });
});
