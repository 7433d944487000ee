import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectBurst, socketCaps } from "../../durable-objects/domain/socket-limits";
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
  isSnapshot,
  openSocket,
  pingPong,
  upgradeInit,
  waitForClose,
  waitForFrame,
  type TestSocket,
} from "../helpers/ws";

afterEach(closeAllSockets);
vi.setConfig({ testTimeout: 30_000 });

/** The caps the workers project runs with (vitest.config.ts sets them small). */
const caps = socketCaps(env);
const SWEEP_KEY = "alarm:sockets:credentials";
/** Not the exact auto-answered ping text, so the object itself reads this frame. */
const OBJECT_PING = '{ "type": "ping" }';

const socketPath = (ws: TestWorkspace) => `/w/${ws.id}/ws`;

async function connect(ws: TestWorkspace, init: RequestInit): Promise<TestSocket> {
  const sock = await openSocket(socketPath(ws), init);
  await waitForFrame(sock, isSnapshot);
  return sock;
}

async function connectMany(ws: TestWorkspace, token: string, count: number) {
  const socks: TestSocket[] = [];
  // One at a time, so "oldest" is well defined.
  for (let i = 0; i < count; i++) socks.push(await connect(ws, bearer(token)));
  return socks;
}

async function scrape(ws: TestWorkspace): Promise<string> {
  const res = await call(`/w/${ws.id}/metrics`, bearer(ws.admin));
  expect(res.status).toBe(200);
  return res.text();
}

/** Proves a socket still works both ways: the object answers it and broadcasts reach it. */
async function expectLive(ws: TestWorkspace, socks: TestSocket[]): Promise<void> {
  await Promise.all(socks.map((s) => pingPong(s)));
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples: [{ metric: "cpu", value: Math.random() }] }, ws.operator),
  );
  expect(res.status).toBeLessThan(300);
  await Promise.all(socks.map((s) => waitForFrame(s, (f) => f.type === "metrics")));
  for (const s of socks) expect(s.closed).toBeUndefined();
}

async function signIn(ws: TestWorkspace, token: string): Promise<RequestInit> {
  const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token }));
  expect(login.status).toBe(200);
  const cookie = (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
  return { headers: { Cookie: cookie, Origin: BASE } };
}

/** Makes the minute sweep due now and fires the alarm (as the runtime would a minute on). */
async function runSweep(ws: TestWorkspace): Promise<void> {
  await runInDurableObject(ws.stub, (_i, state) => {
    state.storage.sql.exec(
      "UPDATE meta SET value = ? WHERE key = ?",
      String(Date.now()),
      SWEEP_KEY,
    );
  });
  expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
}

function sweepPlanned(ws: TestWorkspace): Promise<boolean> {
  return runInDurableObject(ws.stub, (_i, state) => {
    return !state.storage.sql.exec("SELECT 1 FROM meta WHERE key = ?", SWEEP_KEY).next().done;
  });
}

describe("socket caps", () => {
  it("runs with the small test caps", () => {
    expect(caps).toEqual({ perPrincipal: 8, perWorkspace: 16 });
  });

  it("closes a token's oldest socket past its cap (4008), and no other", async () => {
    const ws = await makeWorkspace();
    const bystander = await connect(ws, bearer(ws.admin));
    const socks = await connectMany(ws, ws.viewer, caps.perPrincipal);
    const newest = await connect(ws, bearer(ws.viewer));

    const [oldest, ...rest] = socks;
    expect(await waitForClose(oldest!)).toMatchObject({
      code: 4008,
      reason: "socket limit: oldest closed",
    });
    await expectLive(ws, [...rest, newest, bystander]);
    // A loop of connects only ever replaces the token's own sockets.
    await connect(ws, bearer(ws.viewer));
    expect((await waitForClose(rest[0]!)).code).toBe(4008);
    await expectLive(ws, [bystander]);

    const text = await scrape(ws);
    expect(text).toContain(`opsdeck_websocket_clients ${caps.perPrincipal + 1}`);
    expect(text).toContain('opsdeck_websocket_closed_total{reason="principal_cap"} 2');
    expect(text).toContain(`opsdeck_websocket_limit{scope="principal"} ${caps.perPrincipal}`);
  });

  it("counts a browser session as its token", async () => {
    const ws = await makeWorkspace();
    const browser = await signIn(ws, ws.viewer);
    const first = await connect(ws, browser);
    await connectMany(ws, ws.viewer, caps.perPrincipal);
    expect((await waitForClose(first)).code).toBe(4008);
  });

  it("refuses a new socket with 429 once the workspace is full, and keeps every open one", async () => {
    const ws = await makeWorkspace();
    const perToken = caps.perPrincipal;
    const held = [
      ...(await connectMany(ws, ws.admin, perToken)),
      ...(await connectMany(ws, ws.operator, caps.perWorkspace - perToken)),
    ];

    const refused = await call(socketPath(ws), upgradeInit(bearer(ws.viewer)));
    expect(refused.webSocket).toBeNull();
    expect(refused.headers.get("Retry-After")).toBe("30");
    await expectProblem(refused, 429, "socket_limit");
    await expectLive(ws, held);

    // A token at its own cap still replaces its own oldest: the count does not grow.
    await connect(ws, bearer(ws.admin));
    expect((await waitForClose(held[0]!)).code).toBe(4008);

    // Room again once a dashboard closes.
    held[1]!.close();
    await vi.waitFor(
      async () => {
        const res = await call(socketPath(ws), upgradeInit(bearer(ws.viewer)));
        expect(res.status).toBe(101);
        res.webSocket!.accept();
        res.webSocket!.close(1000, "done");
      },
      { timeout: 3_000, interval: 100 },
    );

    const text = await scrape(ws);
    expect(text).toContain('opsdeck_websocket_refused_total{reason="workspace_cap"} 1');
    expect(text).toContain(`opsdeck_websocket_limit{scope="workspace"} ${caps.perWorkspace}`);
    // Nothing stored was lost: the samples the liveness checks posted are there.
    const metrics = await call(`/w/${ws.id}/api/metrics`, bearer(ws.viewer));
    const { metrics: cards } = (await metrics.json()) as { metrics: Array<{ id: string }> };
    expect(cards.map((m) => m.id)).toContain("cpu");
  });

  it("counts hibernated sockets: the cap holds across eviction", async () => {
    const ws = await makeWorkspace();
    const socks = await connectMany(ws, ws.viewer, caps.perPrincipal);
    await evictDurableObject(ws.stub);
    await connect(ws, bearer(ws.viewer));
    expect((await waitForClose(socks[0]!)).code).toBe(4008);
    await expectLive(ws, socks.slice(1));
  });

  it("keeps its counters through hibernation", async () => {
    const ws = await makeWorkspace();
    await connectMany(ws, ws.viewer, caps.perPrincipal + 1);
    closeAllSockets();
    await evictDurableObject(ws.stub);
    expect(await scrape(ws)).toContain('opsdeck_websocket_closed_total{reason="principal_cap"} 1');
  });
});

describe("socket connects per token", () => {
  it("refuses a reconnect loop past the allowance with 429 before any snapshot, and no one else", async () => {
    const ws = await makeWorkspace();
    const bystander = await connect(ws, bearer(ws.admin));
    const upgrade = () => call(socketPath(ws), upgradeInit(bearer(ws.viewer)));
    let refused: Response | undefined;
    for (let i = 0; i <= connectBurst(caps) + 1 && !refused; i++) {
      const res = await upgrade();
      if (res.status !== 101) refused = res;
      else {
        res.webSocket?.accept();
        res.webSocket?.close(1000, "loop");
      }
    }
    expect(refused).toBeDefined();
    const problem = await expectProblem(refused!, 429, "rate_limited");
    expect(problem.detail).toContain("backoff");
    expect(Number(refused!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    // Another token connects, and open sockets keep working.
    await connect(ws, bearer(ws.operator));
    await expectLive(ws, [bystander]);
    expect(await scrape(ws)).toMatch(
      /opsdeck_websocket_refused_total\{reason="connect_rate"\} [1-9]/,
    );
  });
});

describe("sockets end with their credential", () => {
  /** Revoked in storage only, as if the immediate close had been missed. */
  async function revokeQuietly(ws: TestWorkspace, name: string): Promise<void> {
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "UPDATE tokens SET revoked_at = ? WHERE name = ?",
        new Date().toISOString(),
        name,
      );
    });
  }

  async function expireSessions(ws: TestWorkspace): Promise<void> {
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec("UPDATE sessions SET expires_at = ?", Date.now() - 1);
    });
  }

  it("closes a revoked token's socket (1008) on its next frame", async () => {
    const ws = await makeWorkspace();
    const viewer = await connect(ws, bearer(ws.viewer));
    const admin = await connect(ws, bearer(ws.admin));
    await revokeQuietly(ws, "viewer-bot");
    viewer.send(OBJECT_PING);
    expect(await waitForClose(viewer)).toMatchObject({ code: 1008, reason: "token revoked" });
    admin.send(OBJECT_PING);
    await expectLive(ws, [admin]);
    expect(await scrape(ws)).toContain('opsdeck_websocket_closed_total{reason="token_revoked"} 1');
  });

  it("closes a revoked token's socket (1008) from the minute sweep, frames or not", async () => {
    const ws = await makeWorkspace();
    const viewer = await connect(ws, bearer(ws.viewer));
    const admin = await connect(ws, bearer(ws.admin));
    expect(await sweepPlanned(ws)).toBe(true);
    await revokeQuietly(ws, "viewer-bot");
    await runSweep(ws);
    expect(await waitForClose(viewer)).toMatchObject({ code: 1008, reason: "token revoked" });
    await expectLive(ws, [admin]);
    // Still a socket open: the next sweep is a minute on.
    const due = await runInDurableObject(ws.stub, (_i, state) =>
      Number(
        state.storage.sql
          .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", SWEEP_KEY)
          .one().value,
      ),
    );
    expect(due).toBeGreaterThan(Date.now() + 50_000);
  });

  it("sweeps hibernated sockets too", async () => {
    const ws = await makeWorkspace();
    const viewer = await connect(ws, bearer(ws.viewer));
    const admin = await connect(ws, bearer(ws.admin));
    await revokeQuietly(ws, "viewer-bot");
    await evictDurableObject(ws.stub);
    await runSweep(ws);
    expect(await waitForClose(viewer)).toMatchObject({ code: 1008, reason: "token revoked" });
    await expectLive(ws, [admin]);
  });

  it("closes the sockets of an expired session on the next frame and from the sweep", async () => {
    const ws = await makeWorkspace();
    const browser = await signIn(ws, ws.viewer);
    const byCookie = await connect(ws, browser);
    const quiet = await connect(ws, browser);
    const token = await connect(ws, bearer(ws.viewer));
    await expireSessions(ws);

    byCookie.send(OBJECT_PING);
    expect(await waitForClose(byCookie)).toMatchObject({ code: 1008, reason: "session expired" });
    await runSweep(ws);
    expect(await waitForClose(quiet)).toMatchObject({ code: 1008, reason: "session expired" });
    // The token behind the session is still good: its own socket stays.
    await expectLive(ws, [token]);
    expect(await scrape(ws)).toContain(
      'opsdeck_websocket_closed_total{reason="session_expired"} 2',
    );
  });

  it("closes a ticket socket whose session ended, and refuses a ticket redeemed after sign-out", async () => {
    const ws = await makeWorkspace();
    const browser = await signIn(ws, ws.viewer);
    const ticket = async () => {
      const res = await call(`/w/${ws.id}/api/ws-ticket`, { method: "POST", ...browser });
      expect(res.status).toBe(200);
      return ((await res.json()) as { ticket: string }).ticket;
    };
    const live = await openSocket(`${socketPath(ws)}?ticket=${await ticket()}`);
    await waitForFrame(live, isSnapshot);
    const unused = await ticket();
    await expireSessions(ws);
    await runSweep(ws);
    expect(await waitForClose(live)).toMatchObject({ code: 1008, reason: "session expired" });
    const late = await call(`${socketPath(ws)}?ticket=${unused}`, upgradeInit());
    await expectProblem(late, 401, "unauthenticated");
  });

  it("plans the sweep only while sockets are open", async () => {
    const ws = await makeWorkspace();
    expect(await sweepPlanned(ws)).toBe(false);
    const sock = await connect(ws, bearer(ws.viewer));
    expect(await sweepPlanned(ws)).toBe(true);
    sock.close();
    await vi.waitFor(
      async () => {
        const open = await runInDurableObject(ws.stub, (_i, state) => state.getWebSockets().length);
        expect(open).toBe(0);
      },
      { timeout: 2_000, interval: 50 },
    );
    await runSweep(ws);
    expect(await sweepPlanned(ws)).toBe(false);
    // Running it again (alarms are at-least-once) changes nothing.
    await runDurableObjectAlarm(ws.stub);
    expect(await sweepPlanned(ws)).toBe(false);
  });
});
