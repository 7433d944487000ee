import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Workspace } from "../../durable-objects/workspace";
import {
  BASE,
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { closeAllSockets, isSnapshot, openSocket, upgradeInit, waitForFrame } from "../helpers/ws";

afterEach(closeAllSockets);
vi.setConfig({ testTimeout: 20_000 });

const ALLOWED = "https://app.example.com";
const OTHER = "https://evil.example";

/** A workspace whose admin listed `ALLOWED`. */
async function withAllowedOrigin(prefix = "cors"): Promise<TestWorkspace> {
  const ws = await makeWorkspace(prefix);
  const res = await call(
    `/w/${ws.id}/api/allowed-origins`,
    jsonInit("PUT", { origins: [ALLOWED] }, ws.admin),
  );
  expect(res.status).toBe(200);
  return ws;
}

function preflight(path: string, origin: string, method = "GET", headers = "authorization") {
  return call(path, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": method,
      "Access-Control-Request-Headers": headers,
    },
  });
}

async function signIn(ws: TestWorkspace): Promise<string> {
  const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.viewer }));
  expect(login.status).toBe(200);
  return (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
}

async function ticketFor(ws: TestWorkspace, origin = ALLOWED): Promise<string> {
  const res = await call(
    `/w/${ws.id}/api/ws-ticket`,
    bearer(ws.viewer, { method: "POST", headers: { Origin: origin } }),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}

/** Proves a request never reached the object: evicting it afterwards finds it not running. */
async function expectObjectUntouched(stub: DurableObjectStub<Workspace>, request: () => unknown) {
  await evictDurableObject(stub).catch(() => undefined);
  await request();
  await expect(evictDurableObject(stub)).rejects.toThrow(/not currently running/);
}

function expectNoCors(res: Response) {
  expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
  expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
}

describe("CORS preflight", () => {
  it("answers a listed origin with 204 and the CORS headers, never allowing credentials", async () => {
    const ws = await withAllowedOrigin();
    const res = await preflight(
      `/w/${ws.id}/api/alerts/abc/acknowledge`,
      ALLOWED,
      "POST",
      "authorization, content-type, idempotency-key",
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
    expect(res.headers.get("Vary")).toMatch(/\bOrigin\b/);
    const methods = res.headers.get("Access-Control-Allow-Methods")!.split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(["GET", "POST", "PUT", "PATCH", "DELETE"]));
    const headers = res.headers.get("Access-Control-Allow-Headers")!.toLowerCase().split(/,\s*/);
    expect(headers).toEqual(
      expect.arrayContaining(["authorization", "content-type", "idempotency-key"]),
    );
    expect(Number(res.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(await res.text()).toBe("");
  });

  it("refuses any other origin, an unknown workspace and a malformed one alike: 403, no CORS headers", async () => {
    const ws = await withAllowedOrigin();
    const unknown = `nope-${crypto.randomUUID().slice(0, 8)}`;
    const answers = [
      await preflight(`/w/${ws.id}/api/alerts`, OTHER),
      // Same host, other port or scheme: another origin.
      await preflight(`/w/${ws.id}/api/alerts`, "https://app.example.com:8443"),
      await preflight(`/w/${ws.id}/api/alerts`, "http://app.example.com"),
      await preflight(`/w/${ws.id}/api/alerts`, "null"),
      await preflight(`/w/${unknown}/api/alerts`, ALLOWED),
      await preflight(`/w/Not_A_Slug/api/alerts`, ALLOWED),
    ];
    const bodies = [];
    for (const res of answers) {
      expectNoCors(res);
      const body = await expectProblem(res, 403, "origin_rejected");
      bodies.push({ status: body.status, code: body.code, detail: body.detail });
    }
    // No oracle: an unknown workspace reads exactly like an origin that is not listed.
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it("applies one workspace's list to that workspace only, and a removal at once", async () => {
    const ws = await withAllowedOrigin();
    const other = await makeWorkspace("cors-other");
    expect((await preflight(`/w/${ws.id}/api/alerts`, ALLOWED)).status).toBe(204);
    await expectProblem(
      await preflight(`/w/${other.id}/api/alerts`, ALLOWED),
      403,
      "origin_rejected",
    );
    const cleared = await call(
      `/w/${ws.id}/api/allowed-origins`,
      jsonInit("PUT", { origins: [] }, ws.admin),
    );
    expect(cleared.status).toBe(200);
    await expectProblem(await preflight(`/w/${ws.id}/api/alerts`, ALLOWED), 403, "origin_rejected");
  });
});

describe("CORS requests", () => {
  it("serves a listed origin's bearer requests with the CORS headers, errors included", async () => {
    const ws = await withAllowedOrigin();
    const read = await call(
      `/w/${ws.id}/api/alerts`,
      bearer(ws.viewer, { headers: { Origin: ALLOWED } }),
    );
    expect(read.status).toBe(200);
    expect(read.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
    expect(read.headers.get("Vary")).toMatch(/\bOrigin\b/);
    const exposed = read.headers.get("Access-Control-Expose-Headers")!.toLowerCase();
    for (const name of ["retry-after", "x-request-id", "idempotent-replayed"])
      expect(exposed).toContain(name);
    expect(read.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(await read.json()).toMatchObject({ alerts: [] });

    const write = await call(`/w/${ws.id}/api/metrics/samples`, {
      ...jsonInit("POST", { samples: [{ metric: "cpu", value: 6 }] }),
      headers: {
        Authorization: `Bearer ${ws.operator}`,
        "Content-Type": "application/json",
        Origin: ALLOWED,
      },
    });
    expect(write.status).toBe(202);
    expect(write.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);

    // A refusal is readable by the page too, so it can show why.
    const forbidden = await call(`/w/${ws.id}/api/allowed-origins`, {
      ...jsonInit("PUT", { origins: [] }, ws.viewer),
      headers: {
        Authorization: `Bearer ${ws.viewer}`,
        "Content-Type": "application/json",
        Origin: ALLOWED,
      },
    });
    expect(forbidden.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
    await expectProblem(forbidden, 403, "forbidden");
    const bad = await call(
      `/w/${ws.id}/api/alerts`,
      bearer(`odk.${ws.id}.forged`, { headers: { Origin: ALLOWED } }),
    );
    expect(bad.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
    await expectProblem(bad, 401, "unauthenticated");
  });

  it("adds no CORS headers without a bearer token, and never reaches the object for one", async () => {
    const ws = await withAllowedOrigin();
    await expectObjectUntouched(ws.stub, async () => {
      const res = await call(`/w/${ws.id}/api/alerts`, { headers: { Origin: ALLOWED } });
      expectNoCors(res);
      await expectProblem(res, 401, "unauthenticated");
    });
  });

  it("adds no CORS headers for an origin that is not listed (the browser keeps the response)", async () => {
    const ws = await withAllowedOrigin();
    const res = await call(
      `/w/${ws.id}/api/alerts`,
      bearer(ws.viewer, { headers: { Origin: OTHER } }),
    );
    expectNoCors(res);
    expect(res.headers.get("Vary")).toMatch(/\bOrigin\b/);
    const same = await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer));
    expect(same.status).toBe(200);
    expectNoCors(same);
  });

  it("refuses a session cookie from a listed origin, for reads and writes, and cross-origin sign-in", async () => {
    const ws = await withAllowedOrigin();
    const cookie = await signIn(ws);
    const read = await call(`/w/${ws.id}/api/alerts`, {
      headers: { Cookie: cookie, Origin: ALLOWED },
    });
    await expectProblem(read, 403, "csrf_rejected");
    const ticket = await call(`/w/${ws.id}/api/ws-ticket`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: ALLOWED },
    });
    await expectProblem(ticket, 403, "csrf_rejected");
    const login = await call(`/w/${ws.id}/api/session`, {
      ...jsonInit("POST", { token: ws.viewer }),
      headers: { "Content-Type": "application/json", Origin: ALLOWED },
    });
    await expectProblem(login, 403, "csrf_rejected");
    expect(login.headers.get("Set-Cookie")).toBeNull();
    // The same cookie from our own origin (or with no Origin, as a same-origin GET) still works.
    const sameOrigin: Array<Record<string, string>> = [
      { Cookie: cookie, Origin: BASE },
      { Cookie: cookie },
    ];
    for (const headers of sameOrigin) {
      expect((await call(`/w/${ws.id}/api/alerts`, { headers })).status).toBe(200);
    }
  });
});

describe("the socket from another origin", () => {
  const socketPath = (ws: TestWorkspace, ticket?: string) =>
    `/w/${ws.id}/ws${ticket ? `?ticket=${encodeURIComponent(ticket)}` : ""}`;

  it("accepts a listed origin with a ticket from a bearer call, and sends the snapshot", async () => {
    const ws = await withAllowedOrigin();
    const ticket = await ticketFor(ws);
    const sock = await openSocket(socketPath(ws, ticket), { headers: { Origin: ALLOWED } });
    expect((await waitForFrame(sock, isSnapshot)).payload.workspace.id).toBe(ws.id);
  });

  it("refuses a listed origin with a cookie or a bearer header, before the object is touched", async () => {
    const ws = await withAllowedOrigin();
    const cookie = await signIn(ws);
    await expectObjectUntouched(ws.stub, async () => {
      for (const init of [
        { headers: { Cookie: cookie, Origin: ALLOWED } },
        bearer(ws.viewer, { headers: { Origin: ALLOWED } }),
      ]) {
        const res = await call(socketPath(ws), upgradeInit(init));
        await expectProblem(res, 403, "origin_rejected");
        expect(res.webSocket).toBeNull();
      }
    });
  });

  it("refuses other origins and unknown workspaces even with a ticket, which stays unused", async () => {
    const ws = await withAllowedOrigin();
    const ticket = await ticketFor(ws);
    for (const origin of [OTHER, "null", "http://app.example.com"]) {
      const res = await call(socketPath(ws, ticket), upgradeInit({ headers: { Origin: origin } }));
      await expectProblem(res, 403, "origin_rejected");
    }
    const unknown = `nope-${crypto.randomUUID().slice(0, 8)}`;
    await expectProblem(
      await call(
        `/w/${unknown}/ws?ticket=${ticket}`,
        upgradeInit({ headers: { Origin: ALLOWED } }),
      ),
      403,
      "origin_rejected",
    );
    // Refused before the ticket was looked at: it still opens the socket from the listed origin.
    const sock = await openSocket(socketPath(ws, ticket), { headers: { Origin: ALLOWED } });
    await waitForFrame(sock, isSnapshot);
  });
});
