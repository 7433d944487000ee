import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_STORED_BYTES } from "../../durable-objects/store/idempotency";
import { MIGRATIONS } from "../../durable-objects/store/migrations";
import type { Alert, AuditEntry } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

function keyed(method: string, body: unknown, token: string, key: string): RequestInit {
  const init = jsonInit(method, body, token);
  const headers = new Headers(init.headers);
  headers.set("Idempotency-Key", key);
  return { ...init, headers };
}

type Row = Record<string, string | number | null>;
const rows = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (_i, state) =>
    state.storage.sql.exec<Row>("SELECT * FROM idempotency").toArray(),
  );

async function acknowledgements(ws: TestWorkspace): Promise<number> {
  const res = await call(`/w/${ws.id}/api/audit?limit=500`, bearer(ws.admin));
  const { entries } = (await res.json()) as { entries: AuditEntry[] };
  return entries.filter((e) => e.action === "alert.acknowledge").length;
}

describe("Idempotency-Key keeps a hash of the request and a bounded response", () => {
  it("stores the request's SHA-256, never its body", async () => {
    const ws = await makeWorkspace("idem-hash");
    const [alert] = await seedAlerts(ws.stub, [makeAlert()]);
    const marker = `needle-${crypto.randomUUID()}`;
    const body = { alertId: alert!.id, title: marker, description: marker.repeat(100) };
    const res = await call(
      `/w/${ws.id}/api/incidents`,
      keyed("POST", { ...body, severity: "critical" }, ws.operator, crypto.randomUUID()),
    );
    expect(res.status).toBe(201);
    const [row] = await rows(ws);
    expect(row!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // The response is sealed; no column holds the request body or its text in the clear.
    for (const value of Object.values(row!)) expect(String(value)).not.toContain(marker);
  });

  it("a response past 64 KiB is not kept: the retry gets 409 and the effect happens once", async () => {
    const ws = await makeWorkspace("idem-big");
    // An alert whose JSON is past the replay cap, so acknowledging it answers with > 64 KiB.
    const annotations = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`note${i}`, "x".repeat(2048)]),
    );
    const [big] = await seedAlerts(ws.stub, [makeAlert({ annotations })]);
    const path = `/w/${ws.id}/api/alerts/${big!.id}/acknowledge`;
    const key = crypto.randomUUID();
    const first = await call(path, keyed("POST", { notes: "on it" }, ws.operator, key));
    expect(first.status).toBe(200);
    const answer = await first.text();
    expect(new TextEncoder().encode(answer).byteLength).toBeGreaterThan(MAX_STORED_BYTES);

    const [row] = await rows(ws);
    expect(row).toMatchObject({ state: "done", status: 200, response: null });

    const retry = await call(path, keyed("POST", { notes: "on it" }, ws.operator, key));
    const problem = (await expectProblem(retry, 409, "idempotency_key_used")) as {
      detail: string;
    };
    expect(problem.detail).toContain("status 200");
    expect(problem.detail).toContain("will not run again");
    expect(await acknowledgements(ws)).toBe(1);
    // Another caller of the same workspace is unaffected, and the alert is stored intact.
    const read = await call(`/w/${ws.id}/api/alerts/${big!.id}`, bearer(ws.viewer));
    expect(read.status).toBe(200);
    const { alert } = (await read.json()) as { alert: Alert };
    expect(alert.acknowledged).toBe(true);
    expect(Object.keys(alert.annotations)).toHaveLength(40);
  });

  it("a small response still replays byte for byte", async () => {
    const ws = await makeWorkspace("idem-small");
    const [alert] = await seedAlerts(ws.stub, [makeAlert()]);
    const path = `/w/${ws.id}/api/alerts/${alert!.id}/acknowledge`;
    const key = crypto.randomUUID();
    const first = await call(path, keyed("POST", {}, ws.operator, key));
    const again = await call(path, keyed("POST", {}, ws.operator, key));
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.text()).toBe(await first.text());
    const [row] = await rows(ws);
    expect(String(row!.response).length).toBeLessThan(90_000);
  });

  it("migration 8 drops the kept response of older rows past the new cap, keeping the key used", async () => {
    const ws = await makeWorkspace("idem-migrate");
    await runInDurableObject(ws.stub, (_i, state) => {
      const sql = state.storage.sql;
      const insert = (key: string, response: string) =>
        sql.exec(
          `INSERT INTO idempotency (token_id, key, fingerprint, claim_id, state, status, response, expires_at)
           VALUES ('t', ?, 'fp', 'c', 'done', 201, ?, ?)`,
          key,
          response,
          Date.now() + 3_600_000,
        );
      insert("big", "v1.k.iv.".padEnd(700_000, "A"));
      insert("small", "v1.k.iv.".padEnd(1_000, "A"));
      // What migration 8 does to a workspace upgraded with such rows in it.
      sql.exec(MIGRATIONS[7]!);
    });
    const after = await rows(ws);
    expect(after.find((r) => r.key === "big")).toMatchObject({ response: null, status: 201 });
    expect(String(after.find((r) => r.key === "small")?.response)).toHaveLength(1_000);
    // The big one's key is still used: a retry is refused, not run.
    const claim = await ws.stub.claimIdempotency("t", "big", "fp");
    expect(claim).toEqual({ state: "unreplayable", status: 201 });
  });

  it("bad keys are refused before anything is stored", async () => {
    const ws = await makeWorkspace("idem-bad");
    const [alert] = await seedAlerts(ws.stub, [makeAlert()]);
    const path = `/w/${ws.id}/api/alerts/${alert!.id}/acknowledge`;
    await expectProblem(
      await call(path, keyed("POST", {}, ws.operator, "x".repeat(256))),
      400,
      "idempotency_key_invalid",
    );
    expect(await rows(ws)).toHaveLength(0);
  });
});
