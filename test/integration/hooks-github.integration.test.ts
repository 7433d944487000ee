import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type {
  ActivityItem,
  Deployment,
  GithubDeliveryResult,
  IssuedWebhookIntegration,
  Pipeline,
  SecurityScan,
  SourceStatus,
  WebhookIntegration,
} from "../../schema";
import {
  bodyOf,
  deliver,
  deliverFixture,
  example,
  examplesOf,
  GITHUB_FIXTURES,
  githubSignature,
  githubWorkspace,
  type GithubWorkspace,
} from "../helpers/github";
import { captureConsole } from "../helpers/console";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";
import {
  closeAllSockets,
  isSnapshot,
  openSocket,
  waitForFrame,
  type InboundFrame,
} from "../helpers/ws";

afterEach(closeAllSockets);

type FrameOf<T extends InboundFrame["type"]> = Extract<InboundFrame, { type: T }>;
const frameOf =
  <T extends InboundFrame["type"]>(type: T, where: (f: FrameOf<T>) => boolean = () => true) =>
  (f: InboundFrame): f is FrameOf<T> =>
    f.type === type && where(f as FrameOf<T>);

async function read<T>(ws: GithubWorkspace, path: string): Promise<T> {
  const res = await call(`/w/${ws.id}/api/${path}`, bearer(ws.viewer));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function integration(ws: GithubWorkspace): Promise<WebhookIntegration> {
  const { integrations } = await read<{ integrations: WebhookIntegration[] }>(
    { ...ws, viewer: ws.admin },
    "integrations/webhooks",
  );
  return integrations.find((i) => i.id === ws.integrationId)!;
}

/** Everything a delivery could have written, besides the integration's counters. */
function stored(ws: GithubWorkspace) {
  return runInDurableObject(ws.stub, (_instance, state) => ({
    records: state.storage.sql
      .exec("SELECT kind, id, data FROM records ORDER BY kind, id")
      .toArray(),
    events: state.storage.sql.exec("SELECT COUNT(*) AS n FROM events").one().n,
    deliveries: state.storage.sql.exec("SELECT COUNT(*) AS n FROM deliveries").one().n,
  }));
}

async function accepted(res: Response): Promise<GithubDeliveryResult> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as GithubDeliveryResult;
}

describe("GitHub webhook: published examples", () => {
  it("replays every example: mapped ones are applied, the rest acknowledged with 202", async () => {
    const ws = await githubWorkspace();
    const outcomes: Record<string, number> = {};
    let total = 0;
    for (const [event, doc] of Object.entries(GITHUB_FIXTURES)) {
      for (const fixture of doc.examples) {
        const res = await deliverFixture(ws, event, fixture);
        const body = (await res.json()) as GithubDeliveryResult;
        expect([200, 202], `${event} ${fixture.origin}: ${JSON.stringify(body)}`).toContain(
          res.status,
        );
        expect(res.status === 202).toBe(body.status === "ignored");
        outcomes[body.status] = (outcomes[body.status] ?? 0) + 1;
        total++;
      }
    }
    expect(outcomes.pong).toBe(examplesOf("ping").length);
    expect(outcomes.ignored).toBeGreaterThanOrEqual(examplesOf("star").length);
    // Two published secret_scanning_alert examples are byte-identical: the second is the
    // same body under a new delivery id, so it is a duplicate, not applied again.
    expect(outcomes.duplicate).toBe(1);
    const stats = (await integration(ws)).stats;
    expect(stats).toMatchObject({ rejected: 0, duplicates: 1 });
    expect(stats.accepted + stats.ignored + stats.duplicates).toBe(total);

    const { pipelines } = await read<{ pipelines: Pipeline[] }>(ws, "pipelines?limit=100");
    expect(pipelines.map((p) => p.id)).toEqual(
      expect.arrayContaining(["gh-run-289782451", "gh-run-2202229078", "gh-suite-118578147"]),
    );
    const { deployments } = await read<{ deployments: Deployment[] }>(ws, "deployments");
    expect(deployments.map((d) => d.id)).toContain("gh-deploy-145988746");
    const { scans } = await read<{ scans: SecurityScan[] }>(ws, "security?limit=100");
    expect(new Set(scans.map((s) => s.kind))).toEqual(
      new Set(["code_scanning", "dependabot", "secret_scanning"]),
    );
    const { activities } = await read<{ activities: ActivityItem[] }>(ws, "activity?limit=200");
    const titles = activities.map((a) => a.title);
    expect(titles).toContain("1 commit pushed to master in Codertocat/Hello-World");
    expect(titles).toContain("Pull request #2 opened in Codertocat/Hello-World");
    expect(titles).toContain("Release 0.0.1 published in Codertocat/Hello-World");
    expect(activities.some((a) => a.type === "security")).toBe(true);
    // The same push delivered by several published examples is one feed item (stable ids).
    expect(new Set(activities.map((a) => a.id)).size).toBe(activities.length);

    const status = await read<{ sources: SourceStatus[] }>(ws, "status");
    expect(status.sources.find((s) => s.id === "github")).toMatchObject({ status: "live" });
  });

  it("answers ping with pong and marks the source live", async () => {
    const ws = await githubWorkspace();
    const result = await accepted(await deliverFixture(ws, "ping", example("ping", 0)));
    expect(result).toMatchObject({ status: "pong", event: "ping" });
    const status = await read<{ sources: SourceStatus[] }>(ws, "status");
    expect(status.sources.find((s) => s.id === "github")?.status).toBe("live");
  });

  it("accepts GitHub's form encoding (payload=…) signed over the form bytes", async () => {
    const ws = await githubWorkspace();
    const form = new URLSearchParams({ payload: bodyOf(example("workflow_run", 1)) }).toString();
    const result = await accepted(
      await deliver(ws.id, "workflow_run", form, {
        secret: ws.secret,
        contentType: "application/x-www-form-urlencoded",
      }),
    );
    expect(result.changed?.pipelines).toEqual(["gh-run-289782451"]);
  });
});

describe("GitHub webhook: pipelines, deployments, security and activity", () => {
  it("builds a pipeline from jobs and its run, visible in the API and as socket frames", async () => {
    const ws = await githubWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);

    // A job before its run: an honest placeholder.
    await accepted(await deliverFixture(ws, "workflow_job", example("workflow_job", 5)));
    const frame = await waitForFrame(sock, frameOf("pipeline"));
    expect(frame.payload).toMatchObject({ id: "gh-run-2202229078", incomplete: true });
    const placeholder = await read<{ pipeline: Pipeline }>(ws, "pipeline/gh-run-2202229078");
    expect(placeholder.pipeline).toMatchObject({ author: "", status: "pending", name: "CodeQL" });

    // Completed job, then a late in_progress for the same job: the stage stays completed.
    await accepted(await deliverFixture(ws, "workflow_job", example("workflow_job", 2)));
    const late = await accepted(
      await deliverFixture(ws, "workflow_job", example("workflow_job", 3)),
    );
    expect(late.changed?.pipelines).toEqual([]);
    const { pipeline } = await read<{ pipeline: Pipeline }>(ws, "pipeline/gh-run-2202229078");
    expect(pipeline.stages.find((s) => s.id === "gh-job-289782451")).toMatchObject({
      name: "linters",
      status: "success",
      duration: "3m 18s",
      durationMs: 198_000,
    });

    // A run: completed first, then an older `requested` arrives late and changes nothing.
    await accepted(await deliverFixture(ws, "workflow_run", example("workflow_run", 1)));
    const run = await waitForFrame(
      sock,
      frameOf("pipeline", (f) => f.payload.id === "gh-run-289782451"),
    );
    expect(run.payload).toMatchObject({ status: "success", author: "Codertocat" });
    const stale = await accepted(
      await deliverFixture(ws, "workflow_run", example("workflow_run", 3)),
    );
    expect(stale.changed?.pipelines).toEqual([]);
    const list = await read<{ pipelines: Pipeline[] }>(ws, "pipelines");
    expect(list.pipelines.find((p) => p.id === "gh-run-289782451")?.status).toBe("success");
  });

  it("maps a non-Actions check suite and run; skips the Actions app's", async () => {
    const ws = await githubWorkspace();
    await accepted(await deliverFixture(ws, "check_run", example("check_run", 0)));
    await accepted(await deliverFixture(ws, "check_suite", example("check_suite", 0)));
    const { pipeline } = await read<{ pipeline: Pipeline }>(ws, "pipeline/gh-suite-118578147");
    expect(pipeline).toMatchObject({
      name: "octocoders-linter",
      branch: "changes",
      status: "success",
      stages: [{ id: "gh-check-128620228", name: "Octocoders-linter" }],
    });
    expect(pipeline.incomplete).toBeUndefined();
    const skipped = await deliverFixture(ws, "check_suite", example("check_suite", 1));
    expect(skipped.status).toBe(202);
    expect(((await skipped.json()) as GithubDeliveryResult).reason).toContain("GitHub Actions");
  });

  it("tracks a deployment through its status, with an activity item", async () => {
    const ws = await githubWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    await accepted(await deliverFixture(ws, "deployment", example("deployment", 0)));
    const pending = await waitForFrame(sock, frameOf("deployments"));
    expect(pending.payload).toMatchObject([{ id: "gh-deploy-145988746", status: "pending" }]);
    const done = await accepted(
      await deliverFixture(ws, "deployment_status", example("deployment_status", 0)),
    );
    expect(done.changed).toMatchObject({
      deployments: ["gh-deploy-145988746"],
      activity: ["gh-deploy-145988746-status-209916254"],
    });
    const { deployments } = await read<{ deployments: Deployment[] }>(
      ws,
      "deployments?environment=production",
    );
    expect(deployments).toMatchObject([
      {
        id: "gh-deploy-145988746",
        status: "success",
        environment: "production",
        duration: "2s",
        durationMs: 2000,
      },
    ]);
    await waitForFrame(
      sock,
      frameOf("activity", (f) => f.payload[0]?.type === "deployment"),
    );
    // The `created` event redelivered later (new delivery id) does not undo the success.
    await accepted(await deliverFixture(ws, "deployment", example("deployment", 2)));
    const again = await read<{ deployments: Deployment[] }>(ws, "deployments");
    expect(again.deployments[0]?.status).toBe("success");
  });

  it("turns alerts into security scans: open fails, fixed passes", async () => {
    const ws = await githubWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    await accepted(
      await deliverFixture(ws, "code_scanning_alert", example("code_scanning_alert", 2)),
    );
    const frame = await waitForFrame(sock, frameOf("security"));
    expect(frame.payload).toMatchObject([{ kind: "code_scanning", status: "failed" }]);
    await accepted(await deliverFixture(ws, "dependabot_alert", example("dependabot_alert", 1)));
    await accepted(
      await deliverFixture(ws, "secret_scanning_alert", example("secret_scanning_alert", 0)),
    );
    const failed = await read<{ scans: SecurityScan[] }>(ws, "security?status=failed");
    expect(failed.scans.map((s) => s.kind).sort()).toEqual([
      "code_scanning",
      "dependabot",
      "secret_scanning",
    ]);
    await accepted(
      await deliverFixture(ws, "code_scanning_alert", example("code_scanning_alert", 3)),
    );
    const passed = await read<{ scans: SecurityScan[] }>(ws, "security?status=passed");
    expect(passed.scans).toMatchObject([{ kind: "code_scanning", state: "fixed" }]);
    const { activities } = await read<{ activities: ActivityItem[] }>(ws, "activity");
    expect(activities.filter((a) => a.type === "security")).toHaveLength(4);
  });
});

describe("GitHub webhook: idempotency", () => {
  it("applies a redelivery (same X-GitHub-Delivery) once and answers 200 duplicate", async () => {
    const ws = await githubWorkspace();
    const delivery = crypto.randomUUID();
    const push = example("push", 4);
    const first = await accepted(await deliverFixture(ws, "push", push, { delivery }));
    expect(first.status).toBe("accepted");
    const before = await stored(ws);
    const second = await accepted(await deliverFixture(ws, "push", push, { delivery }));
    expect(second).toMatchObject({ status: "duplicate", delivery });
    expect(await stored(ws)).toEqual(before);
    const { activities } = await read<{ activities: ActivityItem[] }>(ws, "activity");
    expect(activities).toHaveLength(1);
    expect((await integration(ws)).stats).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it("processes the redelivery of an attempt that failed with 5xx and stored nothing", async () => {
    const ws = await githubWorkspace();
    const delivery = crypto.randomUUID();
    const run = example("workflow_run", 1);
    await runInDurableObject(ws.stub, (instance) => {
      const store = (
        instance as unknown as { c: { delivery: { pipelines: { put: (p: Pipeline) => void } } } }
      ).c.delivery.pipelines;
      const put = store.put.bind(store);
      store.put = () => {
        store.put = put;
        throw new Error("simulated storage failure");
      };
    });
    const before = await stored(ws);
    const errors = captureConsole("error");
    await expectProblem(
      await deliverFixture(ws, "workflow_run", run, { delivery }),
      503,
      "ingest_failed",
    );
    expect(errors.lines()).toEqual(["Workspace:ingestGithub simulated storage failure"]);
    expect(await stored(ws)).toEqual(before);
    const failed = await integration(ws);
    expect(failed.stats.rejected).toBe(1);
    expect(failed.stats.lastError).toContain("ingest_failed");

    const retry = await accepted(await deliverFixture(ws, "workflow_run", run, { delivery }));
    expect(retry).toMatchObject({
      status: "accepted",
      changed: { pipelines: ["gh-run-289782451"] },
    });
    await read<{ pipeline: Pipeline }>(ws, "pipeline/gh-run-289782451");
  });
});

describe("GitHub webhook: signatures and rotation", () => {
  it("passes GitHub's published test vector", async () => {
    const ws = await githubWorkspace("It's a Secret to Everybody");
    const res = await deliver(ws.id, "push", "Hello, World!", {
      signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    });
    // Past the signature (a 401 otherwise), the body is then refused as not JSON.
    await expectProblem(res, 400, "invalid_json");
  });

  it("refuses bad signatures with 401 signature_invalid, stores nothing, counts each", async () => {
    const ws = await githubWorkspace();
    const fixture = example("workflow_run", 1);
    const body = bodyOf(fixture);
    const pretty = JSON.stringify(fixture.payload, null, 2);
    const changed = body.replace('"conclusion":"success"', '"conclusion":"Success"');
    expect(changed.length).toBe(body.length);
    const before = await stored(ws);
    // Refused by the Worker on the header alone, before the body is read: never counted.
    const shapes: [string, Parameters<typeof deliver>[3], string][] = [
      ["missing", { signature: null }, "signature_missing"],
      [
        "sha1 only",
        {
          signature: null,
          headers: { "X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567" },
        },
        "signature_missing",
      ],
      ["malformed", { signature: "sha256=xyz" }, "signature_invalid"],
    ];
    for (const [name, options, code] of shapes) {
      const res = await deliver(ws.id, "workflow_run", body, { secret: ws.secret, ...options });
      const problem = (await expectProblem(res, 401, code)) as unknown as {
        detail: string;
        issues: unknown;
      };
      expect(problem.detail, name).toMatch(/X-Hub-Signature/);
      expect(problem.issues).toEqual([
        { path: "header.X-Hub-Signature-256", message: problem.detail },
      ]);
    }
    // Verified in the object against the secrets, and counted on the integration.
    const cases: [string, Parameters<typeof deliver>[3], string?][] = [
      ["wrong secret", { secret: "not-the-secret" }],
      ["over re-serialized JSON", { signature: await githubSignature(ws.secret, pretty) }],
      ["one byte changed", { signature: await githubSignature(ws.secret, body) }, changed],
    ];
    for (const [name, options, sent] of cases) {
      const res = await deliver(ws.id, "workflow_run", sent ?? body, {
        secret: ws.secret,
        ...options,
      });
      const problem = await expectProblem(res, 401, "signature_invalid");
      expect(problem.detail, name).toMatch(/X-Hub-Signature/);
    }
    expect(await stored(ws)).toEqual(before);
    const { stats } = await integration(ws);
    expect(stats).toMatchObject({ rejected: cases.length, accepted: 0 });
    expect(stats.lastError).toContain("signature_invalid");
    expect(stats.lastRejectedAt).toBeDefined();
    // The SHA-1 case says what is missing.
    const sha1 = await deliver(ws.id, "push", body, {
      signature: null,
      headers: { "X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567" },
    });
    expect((await expectProblem(sha1, 401, "signature_missing")).detail).toContain("SHA-1");
  });

  it("accepts the old and new secret during a rotation's overlap, then only the new", async () => {
    const ws = await githubWorkspace("old-secret-123456");
    const rotate = async (secret: string, overlapSeconds: number) => {
      const res = await call(
        `/w/${ws.id}/api/integrations/webhooks/${ws.integrationId}/rotate`,
        jsonInit("POST", { secret, overlapSeconds }, ws.admin),
      );
      expect(res.status).toBe(200);
      return (await res.json()) as IssuedWebhookIntegration;
    };
    const push = bodyOf(example("push", 4));
    await rotate("new-secret-123456", 1);
    expect((await deliver(ws.id, "push", push, { secret: "old-secret-123456" })).status).toBe(200);
    expect((await deliver(ws.id, "push", push, { secret: "new-secret-123456" })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    await expectProblem(
      await deliver(ws.id, "push", push, { secret: "old-secret-123456" }),
      401,
      "signature_invalid",
    );
    expect((await deliver(ws.id, "push", push, { secret: "new-secret-123456" })).status).toBe(200);
    // Without an overlap the previous secret stops at once.
    const issued = await rotate("newest-secret-123", 0);
    expect(issued.integration.previousSecretUntil).toBeUndefined();
    await expectProblem(
      await deliver(ws.id, "push", push, { secret: "new-secret-123456" }),
      401,
      "signature_invalid",
    );
    expect((await deliver(ws.id, "push", push, { secret: "newest-secret-123" })).status).toBe(200);
  });
});

describe("GitHub webhook: bad input", () => {
  it("answers no GitHub integration and an unknown workspace as a wrong signature", async () => {
    const ws = await makeWorkspace();
    const body = bodyOf(example("push", 4));
    const none = await expectProblem(
      await deliver(ws.id, "push", body, { secret: "x" }),
      401,
      "signature_invalid",
    );
    const unknown = await expectProblem(
      await deliver("no-such-ws-1", "push", body, { secret: "x" }),
      401,
      "signature_invalid",
    );
    expect(unknown.detail).toBe(none.detail);
    await expectProblem(await deliver("Bad_Slug", "push", body, { secret: "x" }), 404, "not_found");
  });

  it("acknowledges unknown events and actions with 202 ignored and stores nothing", async () => {
    const ws = await githubWorkspace();
    const before = await stored(ws);
    const star = await deliverFixture(ws, "star", example("star", 0));
    expect(star.status).toBe(202);
    expect(await star.json()).toMatchObject({ status: "ignored", event: "star" });
    const labeled = examplesOf("pull_request").find((f) => f.action === "labeled")!;
    const res = await deliverFixture(ws, "pull_request", labeled);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "ignored", action: "labeled" });
    expect(await stored(ws)).toEqual(before);
    expect((await integration(ws)).stats).toMatchObject({ ignored: 2, rejected: 0 });
  });

  it("refuses non-JSON, truncated, arrays, wrong media type and missing headers", async () => {
    const ws = await githubWorkspace();
    const body = bodyOf(example("workflow_run", 1));
    const send = (payload: string | Uint8Array<ArrayBuffer>, options = {}) =>
      deliver(ws.id, "workflow_run", payload, { secret: ws.secret, ...options });
    await expectProblem(await send("not json"), 400, "invalid_json");
    await expectProblem(await send(body.slice(0, 200)), 400, "invalid_json");
    await expectProblem(await send("[1,2]"), 400, "invalid_json");
    await expectProblem(await send("42"), 400, "invalid_json");
    await expectProblem(await send(new Uint8Array([0x7b, 0xff, 0x7d])), 400, "invalid_json");
    await expectProblem(
      await send(body, { contentType: "text/plain" }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await send("nopayload=1", { contentType: "application/x-www-form-urlencoded" }),
      400,
      "invalid_json",
    );
    await expectProblem(
      await deliver(ws.id, undefined, body, { secret: ws.secret }),
      400,
      "missing_header",
    );
    await expectProblem(
      await send(body, { headers: { "X-GitHub-Delivery": "../etc" } }),
      400,
      "invalid_header",
    );
    const broken = structuredClone(example("workflow_run", 1).payload) as {
      workflow_run: Record<string, unknown>;
    };
    delete broken.workflow_run.head_sha;
    const invalid = await expectProblem(await send(JSON.stringify(broken)), 400, "invalid_payload");
    expect(invalid.detail).toContain("body.workflow_run.head_sha");
    // Media type and headers are refused by the Worker before the object: 7 reached it.
    const { stats } = await integration(ws);
    expect(stats.rejected).toBe(7);
    expect(stats.lastError).toContain("invalid_payload");
  });

  it("refuses bodies over 25 MB with 413 before reading them, chunked or not", async () => {
    const ws = await githubWorkspace();
    const big = 25 * 1024 * 1024 + 1;
    // Well-formed headers (the signature is checked only once the body is in hand).
    const headers = {
      "Content-Type": "application/json",
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": crypto.randomUUID(),
      "X-Hub-Signature-256": `sha256=${"0".repeat(64)}`,
    };
    await expectProblem(
      await call(`/w/${ws.id}/hooks/github`, {
        method: "POST",
        headers: { ...headers, "Content-Length": String(big) },
        body: new Uint8Array(big),
      }),
      413,
      "payload_too_large",
    );
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > big) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await call(`/w/${ws.id}/hooks/github`, {
      method: "POST",
      headers,
      body: stream,
      // @ts-expect-error -- workerd needs `duplex` for a streamed request body; lib.dom lacks it.
      duplex: "half",
    });
    await expectProblem(res, 413, "payload_too_large");
  });
});
