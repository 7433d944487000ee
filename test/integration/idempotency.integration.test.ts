import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_STORED_BYTES } from "../../durable-objects/store/idempotency";
import type { AuditEntry, Incident, IssuedToken, StoredResponse } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

function keyed(method: string, body: unknown, token: string, key: string): RequestInit {
  const init = jsonInit(method, body, token);
  const headers = new Headers(init.headers);
  headers.set("Idempotency-Key", key);
  return { ...init, headers };
}

async function incidentCount(wsId: string, token: string): Promise<number> {
  const res = await call(`/w/${wsId}/api/incidents`, bearer(token));
  return ((await res.json()) as { incidents: Incident[] }).incidents.length;
}

async function auditActions(wsId: string, admin: string): Promise<string[]> {
  const res = await call(`/w/${wsId}/api/audit?limit=500`, bearer(admin));
  return ((await res.json()) as { entries: AuditEntry[] }).entries.map((e) => e.action);
}

async function setup() {
  const ws = await makeWorkspace("idem");
  const alerts = [makeAlert(), makeAlert()];
  await seedAlerts(ws.stub, alerts);
  const body = { alertId: alerts[0]!.id, title: "Outage", severity: "critical" };
  return { ws, alerts, body };
}

describe("Idempotency-Key", () => {
  it("replays the stored response for the same key and request; the effect happens once", async () => {
    const { ws, body } = await setup();
    const key = crypto.randomUUID();
    const first = await call(`/w/${ws.id}/api/incidents`, keyed("POST", body, ws.operator, key));
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();

    // Same JSON, different whitespace: still the same request.
    const again = await call(`/w/${ws.id}/api/incidents`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${ws.operator}`,
        "Content-Type": "application/json",
        "Idempotency-Key": key,
      },
      body: JSON.stringify(body, null, 2),
    });
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Content-Type")).toContain("application/json");
    expect(await again.text()).toBe(firstBody);
    expect(await incidentCount(ws.id, ws.viewer)).toBe(1);
    expect(
      (await auditActions(ws.id, ws.admin)).filter((a) => a === "incident.create"),
    ).toHaveLength(1);
  });

  it("422 idempotency_key_reused for the same key with another body or path", async () => {
    const { ws, alerts, body } = await setup();
    const key = crypto.randomUUID();
    await call(`/w/${ws.id}/api/incidents`, keyed("POST", body, ws.operator, key));
    await expectProblem(
      await call(
        `/w/${ws.id}/api/incidents`,
        keyed("POST", { ...body, alertId: alerts[1]!.id }, ws.operator, key),
      ),
      422,
      "idempotency_key_reused",
    );
    await expectProblem(
      await call(
        `/w/${ws.id}/api/alerts/${alerts[1]!.id}/acknowledge`,
        keyed("POST", {}, ws.operator, key),
      ),
      422,
      "idempotency_key_reused",
    );
    expect(await incidentCount(ws.id, ws.viewer)).toBe(1);
  });

  it("concurrent duplicates produce exactly one effect and the same answer", async () => {
    const { ws, body } = await setup();
    const key = crypto.randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(`/w/${ws.id}/api/incidents`, keyed("POST", body, ws.operator, key)),
      ),
    );
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(texts).size).toBe(1);
    expect(responses.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(
      7,
    );
    expect(await incidentCount(ws.id, ws.viewer)).toBe(1);
  });

  it("also replays a stored 4xx (the request ran and was refused)", async () => {
    const { ws } = await setup();
    const key = crypto.randomUUID();
    const path = `/w/${ws.id}/api/alerts/missing/acknowledge`;
    await expectProblem(await call(path, keyed("POST", {}, ws.operator, key)), 404, "not_found");
    const again = await call(path, keyed("POST", {}, ws.operator, key));
    expect(again.status).toBe(404);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Content-Type")).toContain("application/problem+json");
  });

  it("scopes keys to the calling token: another token's same key runs on its own", async () => {
    const { ws, alerts } = await setup();
    const key = "shared-key";
    const path = `/w/${ws.id}/api/alerts/${alerts[1]!.id}/acknowledge`;
    const byOperator = await call(path, keyed("POST", { notes: "mine" }, ws.operator, key));
    const byAdmin = await call(path, keyed("POST", { notes: "mine" }, ws.admin, key));
    expect(byOperator.status).toBe(200);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("400 for a key over 255 characters, empty, or with non-ASCII; nothing runs", async () => {
    const { ws, body } = await setup();
    for (const key of ["k".repeat(256), "", "ключ", "has space"]) {
      const problem = (await expectProblem(
        await call(`/w/${ws.id}/api/incidents`, keyed("POST", body, ws.operator, key)),
        400,
        "idempotency_key_invalid",
      )) as { issues?: Array<{ path: string }> };
      expect(problem.issues?.[0]?.path).toBe("header.Idempotency-Key");
    }
    expect(await incidentCount(ws.id, ws.viewer)).toBe(0);
    // 255 is fine.
    const ok = await call(
      `/w/${ws.id}/api/incidents`,
      keyed("POST", body, ws.operator, "k".repeat(255)),
    );
    expect(ok.status).toBe(201);
  });

  it("a viewer's refused POST stores nothing; DELETE ignores the header", async () => {
    const { ws, alerts, body } = await setup();
    const key = crypto.randomUUID();
    await expectProblem(
      await call(`/w/${ws.id}/api/incidents`, keyed("POST", body, ws.viewer, key)),
      403,
      "forbidden",
    );
    const rows = await runInDurableObject(ws.stub, async (_i, state) =>
      state.storage.sql.exec("SELECT COUNT(*) AS n FROM idempotency").one(),
    );
    expect(rows.n).toBe(0);
    const del = await call(
      `/w/${ws.id}/api/alerts/${alerts[0]!.id}`,
      keyed("DELETE", undefined, ws.operator, key),
    );
    expect(del.status).toBe(200);
  });

  it("keeps a replayed secret sealed at rest", async () => {
    const { ws } = await setup();
    const key = crypto.randomUUID();
    const mint = () =>
      call(`/w/${ws.id}/api/tokens`, keyed("POST", { name: "ci", role: "viewer" }, ws.admin, key));
    const first = (await (await mint()).json()) as { token: IssuedToken };
    const replay = await mint();
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await replay.json()) as { token: IssuedToken }).token.token).toBe(first.token.token);
    const stored = await runInDurableObject(ws.stub, async (_i, state) =>
      state.storage.sql.exec<{ response: string }>("SELECT response FROM idempotency").toArray(),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.response).toMatch(/^v1\./);
    expect(stored[0]!.response).not.toContain(first.token.token);
    expect(stored[0]!.response).not.toContain("odk.");
  });

  it("expires keys after 24 h: the same key then runs as a new request", async () => {
    const { ws, alerts } = await setup();
    const key = crypto.randomUUID();
    const path = `/w/${ws.id}/api/alerts/${alerts[0]!.id}/resolve`;
    await call(path, keyed("POST", {}, ws.operator, key));
    const expiry = await runInDurableObject(ws.stub, async (_i, state) =>
      state.storage.sql.exec<{ expires_at: number }>("SELECT expires_at FROM idempotency").one(),
    );
    expect(expiry.expires_at - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(expiry.expires_at - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    await runInDurableObject(ws.stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE idempotency SET expires_at = ?", Date.now() - 1);
    });
    const again = await call(path, keyed("POST", {}, ws.operator, key));
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("claims atomically: one claim, duplicates see in_progress, a release lets a retry run", async () => {
    const { ws } = await setup();
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => ws.stub.claimIdempotency("tok-1", "k", "fp")),
    );
    const claimed = claims.filter((c) => c.state === "claimed");
    expect(claimed).toHaveLength(1);
    expect(claims.filter((c) => c.state === "in_progress")).toHaveLength(4);
    const claimId = claimed[0]!.state === "claimed" ? claimed[0]!.claimId : "";
    await ws.stub.releaseIdempotency("tok-1", "k", claimId);
    expect((await ws.stub.claimIdempotency("tok-1", "k", "fp")).state).toBe("claimed");
  });
});

describe("Idempotency-Key at the stored-response cap", () => {
  type Stub = Awaited<ReturnType<typeof makeWorkspace>>["stub"];

  /** A 201 whose stored JSON (status, content type, body) is exactly `bytes` UTF-8 bytes. */
  function responseOf(bytes: number, fill = "x"): StoredResponse {
    const empty: StoredResponse = { status: 201, contentType: "application/json", body: "" };
    const room = bytes - new TextEncoder().encode(JSON.stringify(empty)).byteLength;
    const unit = new TextEncoder().encode(fill).byteLength;
    return { ...empty, body: fill.repeat(Math.floor(room / unit)) };
  }

  /**
   * What the middleware does per request: claim the key, run the effect only when claimed and
   * store its answer; a retry gets the stored answer instead. Returns the claim the retry saw.
   */
  async function sendTwice(stub: Stub, response: StoredResponse, effects: { count: number }) {
    const key = crypto.randomUUID();
    for (let attempt = 0; attempt < 2; attempt++) {
      const claim = await stub.claimIdempotency("tok-cap", key, "fp");
      if (claim.state !== "claimed") return claim;
      effects.count++;
      await stub.completeIdempotency("tok-cap", key, claim.claimId, response);
    }
    throw new Error("the retry ran the effect again");
  }

  it("stores and replays a response at the cap: the effect runs once", async () => {
    const ws = await makeWorkspace("idem-cap");
    const response = responseOf(MAX_STORED_BYTES);
    expect(new TextEncoder().encode(JSON.stringify(response)).byteLength).toBe(MAX_STORED_BYTES);
    const effects = { count: 0 };
    const retry = await sendTwice(ws.stub, response, effects);
    expect(effects.count).toBe(1);
    expect(retry.state).toBe("replay");
    expect(retry.state === "replay" && retry.response).toEqual(response);
    // Sealed and base64-encoded, it stays well under SQLite's 2 MB row limit.
    const sealed = await runInDurableObject(ws.stub, async (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>(
          "SELECT length(response) AS n FROM idempotency WHERE token_id = ?",
          "tok-cap",
        )
        .one(),
    );
    expect(sealed.n).toBeGreaterThan(MAX_STORED_BYTES);
    expect(sealed.n).toBeLessThan(1024 * 1024);
  });

  it("keeps only the status of a response past the cap; the retry is refused, not rerun", async () => {
    const ws = await makeWorkspace("idem-cap");
    const effects = { count: 0 };
    const retry = await sendTwice(ws.stub, responseOf(MAX_STORED_BYTES + 1), effects);
    expect(effects.count).toBe(1);
    expect(retry).toEqual({ state: "unreplayable", status: 201 });
  });

  it("counts the cap in UTF-8 bytes: multi-byte text under it by characters is not kept", async () => {
    const ws = await makeWorkspace("idem-cap");
    const response = responseOf(MAX_STORED_BYTES * 2, "é");
    expect(JSON.stringify(response).length).toBeLessThan(MAX_STORED_BYTES * 2);
    const effects = { count: 0 };
    const retry = await sendTwice(ws.stub, response, effects);
    expect(effects.count).toBe(1);
    expect(retry).toEqual({ state: "unreplayable", status: 201 });
  });

  it("replays multi-byte text at the cap byte for byte", async () => {
    const ws = await makeWorkspace("idem-cap");
    const response = responseOf(MAX_STORED_BYTES, "🔑");
    const effects = { count: 0 };
    const retry = await sendTwice(ws.stub, response, effects);
    expect(effects.count).toBe(1);
    expect(retry.state === "replay" && retry.response.body).toBe(response.body);
  });
});
