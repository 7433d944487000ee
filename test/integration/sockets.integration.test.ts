import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
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
import {
  closeAllSockets,
  collectFrames,
  expectNoFrame,
  isChange,
  isError,
  isSnapshot,
  openSocket,
  pingPong,
  upgradeInit,
  waitForClose,
  waitForFrame,
} from "../helpers/ws";

afterEach(closeAllSockets);
// The first test pays workerd's cold start, and a machine running many suites at once can
// stretch that past vitest's 5 s default; frame waits keep their own shorter timeouts.
vi.setConfig({ testTimeout: 20_000 });

const socketPath = (ws: TestWorkspace, query = "") => `/w/${ws.id}/ws${query}`;

async function postSample(ws: TestWorkspace, value: number): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples: [{ metric: "cpu", value }] }, ws.operator),
  );
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

/** Proves a request never reached the object: evicting it afterwards finds it not running. */
async function expectObjectUntouched(stub: DurableObjectStub<Workspace>, request: () => unknown) {
  await evictDurableObject(stub).catch(() => undefined);
  await request();
  await expect(evictDurableObject(stub)).rejects.toThrow(/not currently running/);
}

describe("upgrade guard (before the object is touched)", () => {
  it("401s an upgrade without credentials", async () => {
    const ws = await makeWorkspace();
    await expectObjectUntouched(ws.stub, async () => {
      const res = await call(socketPath(ws), upgradeInit());
      await expectProblem(res, 401, "unauthenticated");
      expect(res.webSocket).toBeNull();
    });
  });

  it("403s a foreign Origin, even with a valid token", async () => {
    const ws = await makeWorkspace();
    await expectObjectUntouched(ws.stub, async () => {
      const res = await call(
        socketPath(ws),
        upgradeInit(bearer(ws.admin, { headers: { Origin: "https://evil.example" } })),
      );
      await expectProblem(res, 403, "origin_rejected");
    });
  });

  it("404s a token of another workspace without touching either object", async () => {
    const a = await makeWorkspace("a");
    const b = await makeWorkspace("b");
    await evictDurableObject(a.stub);
    await expectObjectUntouched(b.stub, async () => {
      await expectProblem(
        await call(socketPath(b), upgradeInit(bearer(a.admin))),
        404,
        "not_found",
      );
    });
    await expect(evictDurableObject(a.stub)).rejects.toThrow(/not currently running/);
  });

  it("426s a plain GET, and 401s a forged or garbage token", async () => {
    const ws = await makeWorkspace();
    await expectObjectUntouched(ws.stub, async () => {
      await expectProblem(await call(socketPath(ws), bearer(ws.viewer)), 426, "upgrade_required");
    });
    await expectProblem(
      await call(socketPath(ws), upgradeInit(bearer(`odk.${ws.id}.forged`))),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await call(socketPath(ws), upgradeInit({ headers: { Authorization: "Basic abc" } })),
      401,
      "unauthenticated",
    );
  });

  it("accepts a same-origin browser with the session cookie", async () => {
    const ws = await makeWorkspace();
    const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.viewer }));
    const cookie = (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    const sock = await openSocket(socketPath(ws), { headers: { Cookie: cookie, Origin: BASE } });
    expect((await waitForFrame(sock, isSnapshot)).payload.workspace.id).toBe(ws.id);
  });

  it("refuses the object's fetch() without a valid credential", async () => {
    const ws = await makeWorkspace();
    for (const credential of [
      "{",
      JSON.stringify({ kind: "token", secret: `odk.${ws.id}.forged` }),
    ]) {
      const direct = await ws.stub.fetch(
        new Request(`${BASE}/ws`, {
          headers: { Upgrade: "websocket", "x-opsdeck-credential": credential },
        }),
      );
      expect(direct.status).toBe(401);
      expect(direct.webSocket).toBeNull();
    }
    const plain = await ws.stub.fetch(new Request(`${BASE}/ws`));
    expect(plain.status).toBe(426);
  });
});

describe("socket tickets", () => {
  async function ticket(ws: TestWorkspace) {
    const res = await call(`/w/${ws.id}/api/ws-ticket`, bearer(ws.viewer, { method: "POST" }));
    expect(res.status).toBe(200);
    return (await res.json()) as { ticket: string; expiresAt: string };
  }

  it("opens a socket once with a ticket, then refuses the same ticket", async () => {
    const ws = await makeWorkspace();
    const { ticket: t, expiresAt } = await ticket(ws);
    expect(t).toMatch(new RegExp(`^odt\\.${ws.id}\\.`));
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const sock = await openSocket(socketPath(ws, `?ticket=${encodeURIComponent(t)}`));
    await waitForFrame(sock, isSnapshot);
    await expectProblem(
      await call(socketPath(ws, `?ticket=${encodeURIComponent(t)}`), upgradeInit()),
      401,
      "unauthenticated",
    );
  });

  it("refuses an expired ticket, and a ticket for another workspace", async () => {
    const ws = await makeWorkspace();
    const { ticket: t } = await ticket(ws);
    // Stand-in for 60 s passing: age the stored ticket rather than wait.
    await runInDurableObject(ws.stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE tickets SET expires_at = ?", Date.now() - 1);
    });
    await expectProblem(
      await call(socketPath(ws, `?ticket=${encodeURIComponent(t)}`), upgradeInit()),
      401,
      "unauthenticated",
    );
    const other = await makeWorkspace("other");
    const { ticket: foreign } = await ticket(other);
    await expectProblem(
      await call(socketPath(ws, `?ticket=${encodeURIComponent(foreign)}`), upgradeInit()),
      404,
      "not_found",
    );
  });
});

describe("connect and broadcast", () => {
  it("sends a snapshot with the current seq on connect", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, 10);
    await postSample(ws, 20);
    const sock = await openSocket(socketPath(ws), bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    expect(snapshot.seq).toBe(2);
    expect(snapshot.payload.seq).toBe(2);
    expect(snapshot.payload.metrics.find((m) => m.id === "cpu")?.value).toBe(20);
    expect(sock.frames[0]).toBe(snapshot);
    expect(sock.invalid).toEqual([]);
  });

  it("gives two clients the same ordered stream, seq rising by exactly 1", async () => {
    const ws = await makeWorkspace();
    const a = await openSocket(socketPath(ws), bearer(ws.viewer));
    const b = await openSocket(socketPath(ws), bearer(ws.admin));
    const [snapA, snapB] = await Promise.all([
      waitForFrame(a, isSnapshot),
      waitForFrame(b, isSnapshot),
    ]);
    expect(snapA.seq).toBe(snapB.seq);
    await Promise.all(Array.from({ length: 8 }, (_, i) => postSample(ws, i)));
    const settings = await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { thresholds: { cpu: 70 } }, ws.admin),
    );
    expect(settings.status).toBe(200);
    const [framesA, framesB] = await Promise.all([
      collectFrames(a, 10, 3_000, isChange),
      collectFrames(b, 10, 3_000, isChange),
    ]);
    expect(framesA).toEqual(framesB);
    expect(framesA.map((f) => ("seq" in f ? f.seq : -1))).toEqual(
      Array.from({ length: 10 }, (_, i) => snapA.seq + 1 + i),
    );
    expect(framesA.slice(-2).map((f) => f.type)).toEqual(["sources", "metrics"]);
  });

  it("closes a revoked token's sockets with 1008 and leaves the others open", async () => {
    const ws = await makeWorkspace();
    const viewer = await openSocket(socketPath(ws), bearer(ws.viewer));
    const admin = await openSocket(socketPath(ws), bearer(ws.admin));
    await Promise.all([waitForFrame(viewer, isSnapshot), waitForFrame(admin, isSnapshot)]);
    const { tokens } = (await (await call(`/w/${ws.id}/api/tokens`, bearer(ws.admin))).json()) as {
      tokens: Array<{ id: string; role: string }>;
    };
    const viewerId = tokens.find((t) => t.role === "viewer")!.id;
    const res = await call(
      `/w/${ws.id}/api/tokens/${viewerId}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(res.status).toBe(200);
    expect((await waitForClose(viewer)).code).toBe(1008);
    await pingPong(admin);
    await postSample(ws, 1);
    await waitForFrame(admin, (f) => f.type === "metrics");
  });

  it("closes the sockets of a session that signs out, by cookie or by its ticket, and no others", async () => {
    const ws = await makeWorkspace();
    const signIn = async () => {
      const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.viewer }));
      return (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    };
    const [leaving, staying] = [await signIn(), await signIn()];
    const browser = (cookie: string) => ({ headers: { Cookie: cookie, Origin: BASE } });
    const issued = await call(`/w/${ws.id}/api/ws-ticket`, {
      method: "POST",
      ...browser(leaving),
    });
    const { ticket } = (await issued.json()) as { ticket: string };
    const byCookie = await openSocket(socketPath(ws), browser(leaving));
    const byTicket = await openSocket(`${socketPath(ws)}?ticket=${ticket}`);
    const other = await openSocket(socketPath(ws), browser(staying));
    const token = await openSocket(socketPath(ws), bearer(ws.viewer));
    await Promise.all([byCookie, byTicket, other, token].map((s) => waitForFrame(s, isSnapshot)));

    const out = await call(`/w/${ws.id}/api/session`, { method: "DELETE", ...browser(leaving) });
    expect(out.status).toBe(200);
    for (const closed of [byCookie, byTicket]) {
      expect(await waitForClose(closed)).toMatchObject({ code: 1008, reason: "signed out" });
    }
    await Promise.all([pingPong(other), pingPong(token)]);
  });

  it("releases a socket the client closes", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(socketPath(ws), bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    sock.close(1000, "bye");
    await vi.waitFor(
      async () => {
        const open = await runInDurableObject(ws.stub, (_i, state) => state.getWebSockets().length);
        expect(open).toBe(0);
      },
      { timeout: 2_000, interval: 50 },
    );
  });
});

describe("client frames", () => {
  async function twoClients() {
    const ws = await makeWorkspace();
    const bad = await openSocket(socketPath(ws), bearer(ws.viewer));
    const good = await openSocket(socketPath(ws), bearer(ws.viewer));
    await Promise.all([waitForFrame(bad, isSnapshot), waitForFrame(good, isSnapshot)]);
    return { ws, bad, good };
  }

  /** The bystander still gets broadcasts and nothing addressed to the sender. */
  async function expectUnaffected(ws: TestWorkspace, good: Awaited<ReturnType<typeof openSocket>>) {
    await expectNoFrame(good, 100, isError);
    await postSample(ws, 42);
    await waitForFrame(good, (f) => f.type === "metrics");
    expect(good.closed).toBeUndefined();
  }

  it("answers malformed JSON with an invalid_frame error frame and keeps the socket open", async () => {
    const { ws, bad, good } = await twoClients();
    bad.send("{not json");
    const error = await waitForFrame(bad, isError);
    expect(error.payload.code).toBe("invalid_frame");
    await pingPong(bad);
    await expectUnaffected(ws, good);
  });

  it("answers an unknown type and a bad resume with error frames", async () => {
    const { ws, bad, good } = await twoClients();
    bad.send(JSON.stringify({ type: "subscribe", topic: "all" }));
    expect((await waitForFrame(bad, isError)).payload.code).toBe("invalid_frame");
    bad.send(JSON.stringify({ type: "resume", lastSeq: -1 }));
    expect((await waitForFrame(bad, isError)).payload.code).toBe("invalid_frame");
    bad.send("[]");
    expect((await waitForFrame(bad, isError)).payload.code).toBe("invalid_frame");
    expect(bad.closed).toBeUndefined();
    await expectUnaffected(ws, good);
  });

  it("closes on a binary frame with 1003", async () => {
    const { ws, bad, good } = await twoClients();
    bad.send(new Uint8Array([0x7b, 0x7d]));
    expect((await waitForClose(bad)).code).toBe(1003);
    await expectUnaffected(ws, good);
  });

  it("closes on a frame over 64 KiB with 1009 (and on one over 1 MB)", async () => {
    const { ws, bad, good } = await twoClients();
    bad.send(JSON.stringify({ type: "ping", pad: "x".repeat(64 * 1024) }));
    expect((await waitForClose(bad)).code).toBe(1009);
    const huge = await openSocket(socketPath(ws), bearer(ws.viewer));
    await waitForFrame(huge, isSnapshot);
    huge.send("y".repeat(1_200_000));
    expect((await waitForClose(huge)).code).toBe(1009);
    await expectUnaffected(ws, good);
  });

  it("answers a frame just under 64 KiB normally", async () => {
    const { bad } = await twoClients();
    const text = JSON.stringify({ type: "subscribe", pad: "" });
    bad.send(JSON.stringify({ type: "subscribe", pad: "x".repeat(64 * 1024 - text.length) }));
    expect((await waitForFrame(bad, isError)).payload.code).toBe("invalid_frame");
    expect(bad.closed).toBeUndefined();
  });

  it("answers the exact ping text by auto-response, without running webSocketMessage", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(socketPath(ws), bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    const calls = await runInDurableObject(ws.stub, (instance: Workspace) => {
      const spy = vi.spyOn(instance, "webSocketMessage");
      return () => spy.mock.calls.length;
    });
    await pingPong(sock);
    await pingPong(sock);
    expect(calls()).toBe(0);
    // Control: a frame that is not the exact text does reach the handler.
    sock.send('{"type": "ping"}');
    await waitForFrame(sock, (f) => f.type === "pong");
    expect(calls()).toBe(1);
    expect(sock.frames.filter(isError)).toEqual([]);
  });

  it("answers ping while the object is hibernated without waking it", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(socketPath(ws), bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    await evictDurableObject(ws.stub);
    await pingPong(sock);
    await pingPong(sock);
    // Had the ping woken the object, it would be running now and this eviction would succeed.
    await expect(evictDurableObject(ws.stub)).rejects.toThrow(/not currently running/);
    // Control: a frame that needs the handler does wake it.
    sock.send("{}");
    await waitForFrame(sock, isError);
    await evictDurableObject(ws.stub);
  });

  it("ignores a client's pong reply to the server ping", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(socketPath(ws), bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    sock.send('{"type":"pong"}');
    await expectNoFrame(sock, 150);
    expect(sock.closed).toBeUndefined();
  });
});

describe("workspace binding sanity", () => {
  it("keeps each workspace's sockets to itself", async () => {
    const a = await makeWorkspace("a");
    const b = await makeWorkspace("b");
    const sa = await openSocket(`/w/${a.id}/ws`, bearer(a.viewer));
    const sb = await openSocket(`/w/${b.id}/ws`, bearer(b.viewer));
    await Promise.all([waitForFrame(sa, isSnapshot), waitForFrame(sb, isSnapshot)]);
    await postSample(a, 5);
    await waitForFrame(sa, (f) => f.type === "metrics");
    await expectNoFrame(sb, 150, isChange);
    expect(env.WORKSPACE.idFromName(a.id).equals(env.WORKSPACE.idFromName(b.id))).toBe(false);
  });
});
