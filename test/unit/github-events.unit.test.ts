import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import {
  ActivityItem,
  Deployment,
  Pipeline,
  SecurityScan,
  type Pipeline as PipelineRecord,
  type PipelineStage,
} from "../../schema";
import {
  MAPPED_EVENTS,
  alertStatus,
  environmentOf,
  foldDeploymentState,
  mapGithubEvent,
  runStatus,
  severityOf,
  type GithubChange,
} from "../../providers/github/events";
import {
  mergeDeployment,
  mergeRun,
  mergeScan,
  mergeStage,
} from "../../durable-objects/domain/github-merge";
import { verifyGithubSignature } from "../../durable-objects/domain/github-signature";
import { GITHUB_FIXTURES, example, examplesOf } from "../helpers/github";

const NOW = new Date("2026-11-20T12:00:00.000Z");

function changeOf(event: string, index: number): GithubChange {
  const mapped = mapGithubEvent(event, example(event, index).payload, NOW);
  if (mapped.outcome !== "change") throw new Error(`${event}#${index}: ${JSON.stringify(mapped)}`);
  return mapped.change;
}

function pick<K extends GithubChange["kind"]>(
  change: GithubChange,
  kind: K,
): Extract<GithubChange, { kind: K }> {
  if (change.kind !== kind) throw new Error(`expected ${kind}, got ${change.kind}`);
  return change as Extract<GithubChange, { kind: K }>;
}

describe("published examples", () => {
  it("cover every mapped event and name their source package", () => {
    for (const event of [...MAPPED_EVENTS, "ping"]) expect(GITHUB_FIXTURES[event]).toBeDefined();
    for (const doc of Object.values(GITHUB_FIXTURES)) {
      expect(doc.source.package).toBe("@octokit/webhooks-examples");
      expect(doc.validatedAgainst.package).toBe("@octokit/openapi-webhooks");
      expect(doc.examples.length).toBeGreaterThan(0);
    }
  });

  it("map every example to a valid record or an explicit ignore, never a rejection", () => {
    const ignored: string[] = [];
    for (const event of MAPPED_EVENTS) {
      for (const fixture of examplesOf(event)) {
        const mapped = mapGithubEvent(event, fixture.payload, NOW);
        expect(mapped.outcome, `${event} ${fixture.origin}`).not.toBe("invalid");
        if (mapped.outcome === "ignored") {
          ignored.push(`${event} ${fixture.origin}`);
          continue;
        }
        if (mapped.outcome !== "change") continue;
        const c = mapped.change;
        // Every record must pass its own schema (what the store will enforce).
        if (c.kind === "run") Pipeline.parse(c.pipeline);
        if (c.kind === "stage") Pipeline.parse({ ...c.placeholder, stages: [c.stage] });
        if (c.kind === "deployment") Deployment.parse(c.deployment);
        if (c.kind === "security") {
          SecurityScan.parse(c.scan);
          ActivityItem.parse(c.activity);
        }
        if (c.kind === "activity") ActivityItem.parse(c.item);
      }
    }
    // Actions-made checks duplicate workflow runs; PR/release actions outside the feed's list.
    expect(ignored.sort()).toEqual(
      [
        "check_run api.github.com/index.json#1",
        "check_suite api.github.com/index.json#1",
        ...examplesOf("pull_request")
          .filter(
            (f) => !["opened", "reopened", "closed", "ready_for_review"].includes(f.action ?? ""),
          )
          .map((f) => `pull_request ${f.origin}`),
        ...examplesOf("release")
          .filter((f) => !["published", "unpublished", "deleted"].includes(f.action ?? ""))
          .map((f) => `release ${f.origin}`),
      ].sort(),
    );
  });

  it("ignores events Opsdeck does not use, and actions it does not map", () => {
    expect(mapGithubEvent("star", example("star", 0).payload, NOW)).toMatchObject({
      outcome: "ignored",
    });
    const labeled = examplesOf("pull_request").find((f) => f.action === "labeled")!;
    expect(mapGithubEvent("pull_request", labeled.payload, NOW)).toMatchObject({
      outcome: "ignored",
      action: "labeled",
    });
  });

  it("reports the path of a field it relies on when it is missing", () => {
    const payload = structuredClone(example("workflow_run", 1).payload) as {
      workflow_run: Record<string, unknown>;
    };
    delete payload.workflow_run.head_sha;
    const mapped = mapGithubEvent("workflow_run", payload, NOW);
    expect(mapped).toMatchObject({
      outcome: "invalid",
      issues: [{ path: "body.workflow_run.head_sha" }],
    });
  });
});

describe("workflow runs and jobs", () => {
  it("maps a completed run", () => {
    const { pipeline } = pick(changeOf("workflow_run", 1), "run");
    expect(pipeline).toMatchObject({
      id: "gh-run-289782451",
      name: "test",
      branch: "master",
      commit: "3484a3fb816e0859fd6e1cea078d76385ff50625",
      author: "Codertocat",
      status: "success",
      repository: "octo-org/octo-repo",
      url: "https://github.com/octo-org/octo-repo/actions/runs/289782451",
      startedAt: "2020-10-05T16:33:49Z",
      updatedAt: "2020-10-05T16:33:49Z",
      attempt: 1,
      trigger: "repository_dispatch",
      conclusion: "success",
      source: "github",
      stages: [],
    });
  });

  it("maps a job to a stage with its duration and steps, and a placeholder run", () => {
    const { stage, placeholder } = pick(changeOf("workflow_job", 1), "stage");
    expect(stage).toMatchObject({
      id: "gh-job-289782451",
      name: "linters",
      status: "failed",
      conclusion: "failure",
      duration: "3m 18s",
      durationMs: 198_000,
      attempt: 1,
    });
    expect(stage.steps?.length).toBe(12);
    expect(placeholder).toMatchObject({
      id: "gh-run-2202229078",
      name: "CodeQL",
      branch: "main",
      author: "",
      incomplete: true,
    });
  });

  it("folds GitHub statuses into the contract's four", () => {
    expect(runStatus("queued")).toBe("pending");
    expect(runStatus("requested")).toBe("pending");
    expect(runStatus("waiting")).toBe("pending");
    expect(runStatus("in_progress")).toBe("running");
    expect(runStatus("completed", "success")).toBe("success");
    expect(runStatus("completed", "skipped")).toBe("success");
    expect(runStatus("completed", "neutral")).toBe("success");
    expect(runStatus("completed", "action_required")).toBe("pending");
    for (const c of ["failure", "cancelled", "timed_out", "startup_failure", "stale", null])
      expect(runStatus("completed", c)).toBe("failed");
  });
});

describe("merging out-of-order and repeated events", () => {
  const completed = pick(changeOf("workflow_run", 1), "run").pipeline;
  const requested = pick(changeOf("workflow_run", 3), "run").pipeline;

  it("keeps the newer run state when an older event arrives late", () => {
    expect(requested.status).toBe("pending");
    expect(mergeRun(completed, requested)).toBe(completed);
    expect(mergeRun(requested, completed).status).toBe("success");
  });

  it("a re-run (higher attempt) replaces the run and drops the old attempt's stages", () => {
    const stage: PipelineStage = {
      id: "gh-job-1",
      name: "build",
      status: "failed",
      duration: "3s",
      durationMs: 3000,
    };
    const stored: PipelineRecord = { ...completed, stages: [stage] };
    const rerun = {
      ...requested,
      attempt: 2,
      updatedAt: "2020-10-05T17:00:00Z",
    };
    const merged = mergeRun(stored, rerun);
    expect(merged).toMatchObject({ attempt: 2, status: "pending", stages: [] });
    // An attempt-1 run event after that changes nothing.
    expect(mergeRun(merged, completed)).toBe(merged);
  });

  it("builds an honest placeholder from jobs, then the run event completes it", () => {
    const { stage, placeholder } = pick(changeOf("workflow_job", 5), "stage");
    const fromJob = mergeStage(undefined, placeholder, stage);
    expect(fromJob).toMatchObject({ incomplete: true, status: "pending", author: "" });
    const running = pick(changeOf("workflow_job", 4), "stage");
    const more = mergeStage(fromJob, running.placeholder, running.stage);
    expect(more.status).toBe("running");
    const run = { ...completed, id: placeholder.id };
    const merged = mergeRun(more, run);
    expect(merged.incomplete).toBeUndefined();
    expect(merged.status).toBe("success");
    expect(merged.stages.map((s) => s.id).sort()).toEqual([stage.id, running.stage.id].sort());
  });

  it("never moves a stage backwards (completed, then a late in_progress)", () => {
    const done = pick(changeOf("workflow_job", 2), "stage");
    const late = pick(changeOf("workflow_job", 3), "stage");
    expect(done.stage.id).toBe(late.stage.id);
    const once = mergeStage(undefined, done.placeholder, done.stage);
    expect(mergeStage(once, late.placeholder, late.stage)).toBe(once);
  });
});

describe("deployments", () => {
  const created = pick(changeOf("deployment", 0), "deployment");
  const success = pick(changeOf("deployment_status", 0), "deployment");

  it("maps a deployment and its status", () => {
    expect(created.deployment).toMatchObject({
      id: "gh-deploy-145988746",
      name: "Codertocat/Hello-World",
      environment: "production",
      environmentName: "production",
      status: "pending",
      branch: "master",
      commit: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
      author: "Codertocat",
      timestamp: "2019-05-15T15:20:53Z",
      duration: "not started",
      durationMs: 0,
    });
    expect(success.deployment).toMatchObject({
      status: "success",
      state: "success",
      duration: "2s",
      durationMs: 2000,
    });
    expect(success.activity).toMatchObject({ type: "deployment", status: "healthy" });
    const pages = pick(changeOf("deployment_status", 1), "deployment").deployment;
    expect(pages).toMatchObject({
      environment: "preview",
      environmentName: "github-pages",
      status: "running",
      logUrl: "https://github.com/CorsixTH/CorsixTH/runs/4687056418?check_suite_focus=true",
    });
    expect(pages.url).toBeUndefined();
  });

  it("folds states and environments as documented", () => {
    expect(
      ["queued", "pending", "in_progress", "success", "error", "failure"].map(foldDeploymentState),
    ).toEqual(["pending", "pending", "running", "success", "failed", "failed"]);
    expect(foldDeploymentState("inactive")).toBeUndefined();
    expect(environmentOf("Production")).toBe("production");
    expect(environmentOf("prod")).toBe("production");
    expect(environmentOf("eu-live", true)).toBe("production");
    expect(environmentOf("stage")).toBe("staging");
    expect(environmentOf("Staging")).toBe("staging");
    expect(environmentOf("github-pages")).toBe("preview");
  });

  it("a late 'created' event never undoes a status; inactive keeps what was achieved", () => {
    const after = mergeDeployment(undefined, success.deployment, true);
    expect(mergeDeployment(after, created.deployment, false).status).toBe("success");
    const inactive = {
      ...success.deployment,
      state: "inactive",
      status: "success" as const,
      duration: "1m 39s",
      durationMs: 99_000,
      updatedAt: "2019-05-16T00:00:00Z",
    };
    const failed = { ...after, status: "failed" as const, state: "failure" };
    expect(mergeDeployment(failed, inactive, true)).toMatchObject({
      status: "failed",
      state: "inactive",
      duration: "2s",
      durationMs: 2000,
    });
    // An older status does not replace a newer one.
    const older = {
      ...success.deployment,
      status: "running" as const,
      updatedAt: "2019-05-15T15:20:54Z",
    };
    expect(mergeDeployment(after, older, true)).toBe(after);
  });
});

describe("security alerts", () => {
  it("maps code scanning, Dependabot and secret scanning alerts", () => {
    const created = pick(changeOf("code_scanning_alert", 2), "security");
    expect(created.scan).toMatchObject({
      id: "gh-code-scanning-337911632-10",
      kind: "code_scanning",
      status: "failed",
      severity: "error",
      name: "CodeQL: Query built from user-controlled sources",
      repository: "Codertocat/Hello-World",
      url: "https://github.com/Codertocat/Hello-World/security/code-scanning/10",
      state: "open",
    });
    expect(created.activity).toMatchObject({ type: "security", status: "critical" });
    const fixed = pick(changeOf("code_scanning_alert", 3), "security");
    expect(fixed.scan).toMatchObject({ status: "passed", state: "fixed" });
    expect(fixed.activity.status).toBe("healthy");
    expect(pick(changeOf("code_scanning_alert", 0), "security").scan.severity).toBe("info");

    const dependabot = pick(changeOf("dependabot_alert", 1), "security").scan;
    expect(dependabot).toMatchObject({
      kind: "dependabot",
      status: "failed",
      severity: "warning",
      name: "semver: semver vulnerable to Regular Expression Denial of Service",
    });
    const secret = pick(changeOf("secret_scanning_alert", 0), "security").scan;
    expect(secret).toMatchObject({
      kind: "secret_scanning",
      status: "failed",
      severity: "critical",
      name: "Exposed secret: adafruit_io_key",
      // The GHES example has no time of its own: the receive time stands in.
      timestamp: NOW.toISOString(),
    });
  });

  it("decides status by the alert's state, by the action only without one", () => {
    expect(alertStatus("open", "fixed")).toBe("failed");
    expect(alertStatus("dismissed", "created")).toBe("passed");
    expect(alertStatus("auto_dismissed", "auto_dismissed")).toBe("passed");
    expect(alertStatus(undefined, "reopened")).toBe("failed");
    expect(alertStatus(null, "resolved")).toBe("passed");
    expect(severityOf("high")).toBe("error");
    expect(severityOf("note")).toBe("info");
    expect(severityOf(undefined)).toBe("info");
  });

  it("keeps the later alert state", () => {
    const open = pick(changeOf("code_scanning_alert", 2), "security").scan;
    const older = { ...open, status: "passed" as const, timestamp: "2020-01-01T00:00:00Z" };
    expect(mergeScan(open, older)).toBe(open);
  });
});

describe("activity", () => {
  it("maps pushes, pull requests and releases", () => {
    const push = pick(changeOf("push", 4), "activity").item;
    expect(push).toMatchObject({
      type: "deployment",
      title: "1 commit pushed to master in Codertocat/Hello-World",
      description: "Initial commit",
      user: "Codertocat",
      timestamp: "2019-05-15T15:19:25Z",
      url: "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    });
    const deleted = pick(changeOf("push", 1), "activity").item;
    expect(deleted.title).toBe("Tag simple-tag deleted in Codertocat/Hello-World");
    // Epoch seconds from `repository.pushed_at` when there is no head commit.
    expect(deleted.timestamp).toBe("2019-05-15T15:20:57.000Z");

    const opened = examplesOf("pull_request").find((f) => f.action === "opened")!;
    const pr = pick(changeOf("pull_request", Number(opened.origin.split("#")[1])), "activity").item;
    expect(pr).toMatchObject({
      title: "Pull request #2 opened in Codertocat/Hello-World",
      description: "Update the README with new information. (changes → master)",
      url: "https://github.com/Codertocat/Hello-World/pull/2",
    });
    const release = pick(changeOf("release", 0), "activity").item;
    expect(release).toMatchObject({
      title: "Release 0.0.1 published in Codertocat/Hello-World",
      timestamp: "2019-05-15T15:20:53Z",
    });
  });
});

describe("signatures", () => {
  const VECTOR = {
    secret: "It's a Secret to Everybody",
    body: "Hello, World!",
    signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
  };
  const bytes = (s: string) => new TextEncoder().encode(s);
  const candidates = [{ integrationId: "gh-1", secret: VECTOR.secret }];

  it("passes GitHub's published test vector (and agrees with Octokit's signer)", async () => {
    expect(await sign(VECTOR.secret, VECTOR.body)).toBe(VECTOR.signature);
    expect(await verifyGithubSignature(VECTOR.signature, bytes(VECTOR.body), candidates)).toEqual({
      ok: true,
      integrationId: "gh-1",
    });
    expect(
      await verifyGithubSignature(
        VECTOR.signature.toUpperCase().replace("SHA256", "sha256"),
        bytes(VECTOR.body),
        candidates,
      ),
    ).toMatchObject({ ok: true });
  });

  it("refuses a missing, SHA-1, malformed or non-matching signature", async () => {
    const body = bytes(VECTOR.body);
    expect(await verifyGithubSignature(undefined, body, candidates)).toMatchObject({ ok: false });
    const sha1 = await verifyGithubSignature(undefined, body, candidates, true);
    expect(sha1).toMatchObject({ ok: false, reason: expect.stringContaining("SHA-1") });
    expect(await verifyGithubSignature("sha1=abc", body, candidates)).toMatchObject({ ok: false });
    expect(
      await verifyGithubSignature(VECTOR.signature, bytes("Hello, World?"), candidates),
    ).toMatchObject({ ok: false });
    expect(
      await verifyGithubSignature(VECTOR.signature, body, [
        { integrationId: "x", secret: "other" },
      ]),
    ).toMatchObject({ ok: false });
    // Rotation: any candidate (current or previous secret) may match.
    expect(
      await verifyGithubSignature(VECTOR.signature, body, [
        { integrationId: "new", secret: "the-new-secret" },
        { integrationId: "old", secret: VECTOR.secret },
      ]),
    ).toEqual({ ok: true, integrationId: "old" });
  });
});
