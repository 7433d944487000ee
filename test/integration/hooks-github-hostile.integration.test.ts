import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GithubDelivery, GithubDeliveryResult, WebhookIntegration } from "../../schema";
import type { Host } from "../../durable-objects/capabilities/host";
import {
  DELIVERY_PRUNE_BATCH,
  DELIVERY_RETENTION_MS,
  DeliveryMemory,
} from "../../durable-objects/store/delivery-memory";
import {
  bodyOf,
  deliver,
  example,
  githubSignature,
  githubWorkspace,
  type GithubWorkspace,
} from "../helpers/github";
import { bearer, call, expectProblem } from "../helpers/workspace";

/** Attacks on the unauthenticated GitHub receiver: headers, body size, replays. */

const PRUNE_TASK = "github:deliveries";
const CAP = 25 * 1024 * 1024;

type Problem = { detail: string; issues?: Array<{ path: string; message: string }> };
type Internals = {
  host: Host;
  c: { github: { ingest: (d: GithubDelivery) => Promise<unknown> } };
};

/** Counts calls into the object's GitHub receiver from now on (same isolate as the test). */
async function countIngests(ws: GithubWorkspace): Promise<{ calls: number }> {
  const counter = { calls: 0 };
  await runInDurableObject(ws.stub, (instance) => {
    const github = (instance as unknown as Internals).c.github;
    const ingest = github.ingest.bind(github);
    github.ingest = (d) => {
      counter.calls++;
      return ingest(d);
    };
  });
  return counter;
}

/** Everything a delivery could have written. */
function stored(ws: GithubWorkspace) {
  return runInDurableObject(ws.stub, (_i, state) => ({
    records: state.storage.sql.exec("SELECT kind, id FROM records ORDER BY kind, id").toArray(),
    events: state.storage.sql.exec("SELECT COUNT(*) AS n FROM events").one().n,
    deliveries: state.storage.sql.exec("SELECT COUNT(*) AS n FROM deliveries").one().n,
  }));
}

async function stats(ws: GithubWorkspace) {
  const res = await call(`/w/${ws.id}/api/integrations/webhooks`, bearer(ws.admin));
  const { integrations } = (await res.json()) as { integrations: WebhookIntegration[] };
  return integrations.find((i) => i.id === ws.integrationId)!.stats;
}

async function result(res: Response): Promise<GithubDeliveryResult> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as GithubDeliveryResult;
}

describe("GitHub hook: headers are checked in the Worker, before the body or the object", () => {
  it("refuses each missing or garbled header with a 4xx naming it; the object is never called", async () => {
    const ws = await githubWorkspace();
    const body = bodyOf(example("workflow_run", 1));
    const good = {
      "Content-Type": "application/json",
      "X-GitHub-Event": "workflow_run",
      "X-GitHub-Delivery": crypto.randomUUID(),
      "X-Hub-Signature-256": await githubSignature(ws.secret, body),
    };
    const cases: Array<[string, Record<string, string | null>, number, string, string]> = [
      ["no event", { "X-GitHub-Event": null }, 400, "missing_header", "X-GitHub-Event"],
      ["blank event", { "X-GitHub-Event": " " }, 400, "missing_header", "X-GitHub-Event"],
      ["path event", { "X-GitHub-Event": "../push" }, 400, "invalid_header", "X-GitHub-Event"],
      ["upper event", { "X-GitHub-Event": "PUSH" }, 400, "invalid_header", "X-GitHub-Event"],
      ["long event", { "X-GitHub-Event": "a".repeat(65) }, 400, "invalid_header", "X-GitHub-Event"],
      ["no delivery", { "X-GitHub-Delivery": null }, 400, "missing_header", "X-GitHub-Delivery"],
      ["short id", { "X-GitHub-Delivery": "d-1" }, 400, "invalid_header", "X-GitHub-Delivery"],
      [
        "path id",
        { "X-GitHub-Delivery": "../../etc/passwd" },
        400,
        "invalid_header",
        "X-GitHub-Delivery",
      ],
      [
        "long id",
        { "X-GitHub-Delivery": `${crypto.randomUUID()}-${"0".repeat(5000)}` },
        400,
        "invalid_header",
        "X-GitHub-Delivery",
      ],
      ["no type", { "Content-Type": null }, 415, "unsupported_media_type", "Content-Type"],
      ["text", { "Content-Type": "text/plain" }, 415, "unsupported_media_type", "Content-Type"],
      [
        "multipart",
        { "Content-Type": "multipart/form-data; boundary=x" },
        415,
        "unsupported_media_type",
        "Content-Type",
      ],
      [
        "no signature",
        { "X-Hub-Signature-256": null },
        401,
        "signature_missing",
        "X-Hub-Signature-256",
      ],
      [
        "bare hex",
        { "X-Hub-Signature-256": "a".repeat(64) },
        401,
        "signature_invalid",
        "X-Hub-Signature-256",
      ],
      [
        "sha1 form",
        { "X-Hub-Signature-256": `sha1=${"a".repeat(40)}` },
        401,
        "signature_invalid",
        "X-Hub-Signature-256",
      ],
      [
        "short hex",
        { "X-Hub-Signature-256": `sha256=${"a".repeat(63)}` },
        401,
        "signature_invalid",
        "X-Hub-Signature-256",
      ],
    ];
    const ingests = await countIngests(ws);
    const before = await stored(ws);
    for (const [name, change, status, code, header] of cases) {
      const headers = new Headers(good);
      for (const [k, v] of Object.entries(change))
        if (v === null) headers.delete(k);
        else headers.set(k, v);
      const res = await call(`/w/${ws.id}/hooks/github`, { method: "POST", headers, body });
      const problem = (await expectProblem(res, status, code)) as unknown as Problem;
      expect(
        problem.issues?.map((i) => i.path),
        name,
      ).toEqual([`header.${header}`]);
    }
    expect(ingests.calls).toBe(0);
    expect(await stored(ws)).toEqual(before);
    expect(await stats(ws)).toMatchObject({ accepted: 0, rejected: 0 });

    // The sender with proper headers is unaffected.
    const ok = await call(`/w/${ws.id}/hooks/github`, {
      method: "POST",
      headers: good,
      body,
    });
    expect((await result(ok)).status).toBe("accepted");
    expect(ingests.calls).toBe(1);
  });

  it("stops reading a chunked body without Content-Length at the 25 MB cap (413)", async () => {
    const ws = await githubWorkspace();
    const ingests = await countIngests(ws);
    const before = await stored(ws);
    // An endless body: only a reader that stops at the cap can answer at all.
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await call(`/w/${ws.id}/hooks/github`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": `sha256=${"0".repeat(64)}`,
      },
      body: endless,
      // @ts-expect-error -- workerd needs `duplex` for a streamed request body; lib.dom lacks it.
      duplex: "half",
    });
    await expectProblem(res, 413, "payload_too_large");
    expect(pulled).toBeGreaterThan(CAP);
    // At most the cap plus what the runtime buffers ahead (a few chunks), never the stream.
    expect(pulled).toBeLessThan(CAP + 4 * 1024 * 1024);
    expect(ingests.calls).toBe(0);
    expect(await stored(ws)).toEqual(before);

    const push = bodyOf(example("push", 4));
    expect((await result(await deliver(ws.id, "push", push, { secret: ws.secret }))).status).toBe(
      "accepted",
    );
  });
});

describe("GitHub hook: replays are acknowledged and applied once", () => {
  it("a captured body under a new delivery id (or another event name) is a duplicate", async () => {
    const ws = await githubWorkspace();
    const body = bodyOf(example("workflow_run", 1));
    const signature = await githubSignature(ws.secret, body);
    const first = await result(await deliver(ws.id, "workflow_run", body, { signature }));
    expect(first).toMatchObject({
      status: "accepted",
      changed: { pipelines: ["gh-run-289782451"] },
    });
    const after = await stored(ws);
    expect(after.deliveries).toBe(2);

    // The attacker replays the captured bytes and signature: new GUIDs, even another event.
    for (const event of ["workflow_run", "workflow_run", "workflow_job"]) {
      const delivery = crypto.randomUUID();
      const replay = await result(await deliver(ws.id, event, body, { signature, delivery }));
      expect(replay).toMatchObject({ status: "duplicate", delivery });
    }
    expect(await stored(ws)).toEqual(after);
    expect(await stats(ws)).toMatchObject({ accepted: 1, duplicates: 3, rejected: 0 });

    // Other deliveries of the same workspace go through as before.
    const other = bodyOf(example("push", 4));
    expect((await result(await deliver(ws.id, "push", other, { secret: ws.secret }))).status).toBe(
      "accepted",
    );
  });

  it("the same delivery id is a duplicate, as GitHub's Redeliver sends it, even with another body", async () => {
    const ws = await githubWorkspace();
    const delivery = crypto.randomUUID();
    const body = bodyOf(example("deployment", 0));
    expect(
      (await result(await deliver(ws.id, "deployment", body, { secret: ws.secret, delivery })))
        .status,
    ).toBe("accepted");
    const after = await stored(ws);
    // GitHub's Redeliver: same id, same bytes.
    const redelivered = await deliver(ws.id, "deployment", body, { secret: ws.secret, delivery });
    expect(await result(redelivered)).toMatchObject({ status: "duplicate", delivery });
    // The same id reused for a different signed body is not applied either.
    const other = bodyOf(example("push", 4));
    const reused = await deliver(ws.id, "push", other, { secret: ws.secret, delivery });
    expect(await result(reused)).toMatchObject({ status: "duplicate", delivery });
    expect(await stored(ws)).toEqual(after);
  });
});

describe("GitHub hook: the delivery memory is bounded", () => {
  async function seed(ws: GithubWorkspace, rows: Array<{ key: string; at: number }>) {
    await runInDurableObject(ws.stub, (_i, state) => {
      for (const { key, at } of rows)
        state.storage.sql.exec(
          "INSERT INTO deliveries (key, integration_id, received_at) VALUES (?, 'seed', ?)",
          key,
          at,
        );
    });
  }

  const count = (ws: GithubWorkspace) =>
    runInDurableObject(
      ws.stub,
      (_i, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n,
    );

  /** Makes the prune task due now and runs the object's alarm; returns when it runs next. */
  async function prunePass(ws: GithubWorkspace): Promise<number | undefined> {
    await runInDurableObject(ws.stub, async (instance) => {
      await (instance as unknown as Internals).host.schedule.set(PRUNE_TASK, Date.now());
    });
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    return runInDurableObject(ws.stub, (instance) =>
      (instance as unknown as Internals).host.schedule.dueAt(PRUNE_TASK),
    );
  }

  it("an applied delivery arms the prune task; the alarm removes expired rows in batches", async () => {
    const ws = await githubWorkspace();
    const push = bodyOf(example("push", 4));
    await result(await deliver(ws.id, "push", push, { secret: ws.secret }));
    const armed = await runInDurableObject(ws.stub, async (instance, state) => ({
      due: (instance as unknown as Internals).host.schedule.dueAt(PRUNE_TASK),
      alarm: await state.storage.getAlarm(),
    }));
    expect(armed.due).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(armed.alarm).not.toBeNull();

    const expired = Date.now() - DELIVERY_RETENTION_MS - 60_000;
    const old = Array.from({ length: 2 * DELIVERY_PRUNE_BATCH + 200 }, (_, i) => ({
      key: `github:old-${i}`,
      at: expired - i,
    }));
    await seed(ws, old);
    const total = old.length + 2;
    expect(await count(ws)).toBe(total);

    // Full batches: exactly one batch each, and the task comes back within seconds.
    let next = await prunePass(ws);
    expect(await count(ws)).toBe(total - DELIVERY_PRUNE_BATCH);
    expect(next).toBeLessThanOrEqual(Date.now() + 2_000);
    next = await prunePass(ws);
    expect(await count(ws)).toBe(total - 2 * DELIVERY_PRUNE_BATCH);
    // The last, partial batch: only the live delivery's two rows remain, and the task waits.
    next = await prunePass(ws);
    expect(await count(ws)).toBe(2);
    expect(next).toBeGreaterThan(Date.now() + 50 * 60_000);

    // The remembered delivery still counts as seen: replaying it is a duplicate.
    const replay = await deliver(ws.id, "push", push, { secret: ws.secret });
    expect((await result(replay)).status).toBe("duplicate");
  });

  it("over the row cap, the oldest rows go first, the newest are kept", async () => {
    const ws = await githubWorkspace();
    const now = Date.now();
    await seed(
      ws,
      Array.from({ length: 120 }, (_, i) => ({ key: `github:recent-${i}`, at: now - i * 1000 })),
    );
    const removed = await runInDurableObject(ws.stub, (_i, state) => {
      const memory = new DeliveryMemory(state.storage.sql, 50);
      return memory.prune(now);
    });
    expect(removed).toMatchObject({ removed: 70, more: false });
    const kept = await runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql
        .exec<{ key: string }>("SELECT key FROM deliveries ORDER BY received_at DESC")
        .toArray()
        .map((r) => r.key),
    );
    expect(kept).toEqual(Array.from({ length: 50 }, (_, i) => `github:recent-${i}`));
  });
});
