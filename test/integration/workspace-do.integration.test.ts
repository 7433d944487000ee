import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SOCKET_TAG, attachmentOf } from "../../durable-objects/connections";
import { AlarmSchedule } from "../../durable-objects/store/alarm-schedule";
import type { Workspace } from "../../durable-objects/workspace";
import { captureConsole } from "../helpers/console";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";
import {
  closeAllSockets,
  collectFrames,
  expectNoFrame,
  isChange,
  isError,
  isSnapshot,
  openSocket,
  pingPong,
  stateOf,
  waitForClose,
  waitForFrame,
  type TestSocket,
} from "../helpers/ws";

afterEach(closeAllSockets);
// The first test pays workerd's cold start, and a machine running many suites at once can
// stretch that past vitest's 5 s default; frame waits keep their own shorter timeouts.
vi.setConfig({ testTimeout: 20_000 });

async function postSample(ws: TestWorkspace, value: number): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples: [{ metric: "cpu", value }] }, ws.operator),
  );
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function connect(ws: TestWorkspace, token: string): Promise<TestSocket> {
  const sock = await openSocket(`/w/${ws.id}/ws`, bearer(token));
  await waitForFrame(sock, isSnapshot);
  return sock;
}

/** The principals the object sees on its sockets, read back from their attachments. */
function principals(ws: TestWorkspace) {
  return runInDurableObject(ws.stub, (_instance, state) =>
    state
      .getWebSockets(SOCKET_TAG)
      .map((socket) => attachmentOf(socket)?.principal)
      .map((p) => (p ? `${p.name}:${p.role}` : "unreadable"))
      .sort(),
  );
}

const instances = new WeakSet<object>();
const markInstance = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (instance: Workspace) => void instances.add(instance));
const sameInstance = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (instance: Workspace) => instances.has(instance));

/** Stand-in for time passing: makes `task` due now (the runtime's clock cannot be moved). */
const makeDue = (ws: TestWorkspace, task: string) =>
  runInDurableObject(ws.stub, (_instance, state) =>
    new AlarmSchedule(state.storage).set(task, Date.now()),
  );

/** When the credential sweep of open sockets is due (planned while any socket is open). */
const sweepAt = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (_instance, state) =>
    new AlarmSchedule(state.storage).dueAt("sockets:credentials"),
  );
const alarmAt = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, (_instance, state) => state.storage.getAlarm());

describe("eviction and hibernation", () => {
  it("keeps sockets open and state intact across eviction; a new instance serves them", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, 10);
    const viewer = await connect(ws, ws.viewer);
    const operator = await connect(ws, ws.operator);
    await markInstance(ws);

    await evictDurableObject(ws.stub);
    expect(viewer.closed).toBeUndefined();
    expect(operator.closed).toBeUndefined();

    await postSample(ws, 20);
    const [a, b] = await Promise.all([
      waitForFrame(viewer, (f) => f.type === "metrics"),
      waitForFrame(operator, (f) => f.type === "metrics"),
    ]);
    expect(a).toEqual(b);
    expect("seq" in a && a.seq).toBe(2);
    expect(await sameInstance(ws)).toBe(false);
    expect(await principals(ws)).toEqual(["operator-bot:operator", "viewer-bot:viewer"]);
    expect(stateOf(viewer)?.metrics.find((m) => m.id === "cpu")?.value).toBe(20);
  });

  it("restores the attachment when a message wakes a hibernated object", async () => {
    const ws = await makeWorkspace();
    const sock = await connect(ws, ws.viewer);
    await postSample(ws, 1);
    await waitForFrame(sock, isChange);
    await evictDurableObject(ws.stub);

    // The woken instance never saw the upgrade: all it knows comes from storage and the attachment.
    sock.send(JSON.stringify({ type: "resume", lastSeq: 0 }));
    const replay = await collectFrames(sock, 1);
    expect(replay.map((f) => f.type)).toEqual(["metrics"]);
    sock.send("nope");
    expect((await waitForFrame(sock, isError)).payload.code).toBe("invalid_frame");
    expect(await principals(ws)).toEqual(["viewer-bot:viewer"]);
    const attachment = await runInDurableObject(ws.stub, (_instance, state) =>
      attachmentOf(state.getWebSockets(SOCKET_TAG)[0]!)!,
    );
    expect(attachment).toMatchObject({ opsdeck: 1, connectedSeq: 0 });
  });

  it("after hibernation still knows whose socket is whose (revocation closes only that one)", async () => {
    const ws = await makeWorkspace();
    const viewer = await connect(ws, ws.viewer);
    const admin = await connect(ws, ws.admin);
    await evictDurableObject(ws.stub);
    const { tokens } = (await (await call(`/w/${ws.id}/api/tokens`, bearer(ws.admin))).json()) as {
      tokens: Array<{ id: string; role: string }>;
    };
    const viewerId = tokens.find((t) => t.role === "viewer")!.id;
    await call(`/w/${ws.id}/api/tokens/${viewerId}`, bearer(ws.admin, { method: "DELETE" }));
    expect((await waitForClose(viewer)).code).toBe(1008);
    await pingPong(admin);
    expect(admin.closed).toBeUndefined();
  });

  it("closes a socket whose attachment no longer parses (1008) and spares the rest", async () => {
    const ws = await makeWorkspace();
    const first = await connect(ws, ws.viewer);
    const second = await connect(ws, ws.viewer);
    await runInDurableObject(ws.stub, (_instance, state) => {
      state.getWebSockets(SOCKET_TAG)[0]!.serializeAttachment({ opsdeck: 0, who: "?" });
    });
    await evictDurableObject(ws.stub);
    first.send("{}");
    second.send("{}");
    const outcome = (sock: TestSocket) =>
      sock.until(
        () => (sock.closed ? `closed ${sock.closed.code}` : sock.frames.find(isError)?.type),
        2_000,
        "a close or an error frame",
      );
    // Which socket the runtime lists first is not ours to pick: tell them apart by outcome.
    expect((await Promise.all([outcome(first), outcome(second)])).sort()).toEqual([
      "closed 1008",
      "error",
    ]);
  });
});

describe("hibernation: no server heartbeat", () => {
  it("arms only the minute credential sweep for open sockets; the runtime answers their pings while hibernated", async () => {
    const ws = await makeWorkspace();
    expect(await alarmAt(ws)).toBeNull();
    const a = await connect(ws, ws.viewer);
    const b = await connect(ws, ws.admin);
    // Clients ping themselves every 30 s; a server ping would wake the object for nothing.
    // The one alarm is the credential sweep (capabilities/socket-guard.ts), a minute on.
    const sweep = await sweepAt(ws);
    expect(sweep).toBeGreaterThan(Date.now() + 30_000);
    expect(await alarmAt(ws)).toBe(sweep);
    await evictDurableObject(ws.stub);
    await pingPong(a);
    await pingPong(b);
    expect(await alarmAt(ws)).toBe(sweep);
    await expectNoFrame(a, 150, (f) => f.type === "ping");
  });

  it("drops a `heartbeat` task left by an older version instead of pinging", async () => {
    const ws = await makeWorkspace();
    const sock = await connect(ws, ws.viewer);
    await makeDue(ws, "heartbeat");
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    await expectNoFrame(sock, 150, (f) => f.type === "ping");
    const left = await runInDurableObject(ws.stub, (_instance, state) =>
      new AlarmSchedule(state.storage).dueAt("heartbeat"),
    );
    expect(left).toBeUndefined();
    expect(await alarmAt(ws)).toBe(await sweepAt(ws));
    // The client's own pong frame is still a no-op, never a reason to close.
    sock.send('{"type":"pong"}');
    await pingPong(sock);
  });
});

describe("alarm schedule (one alarm, many tasks)", () => {
  /** A real task due in 30 s, for the others to be measured against. */
  const scheduleReference = (ws: TestWorkspace) =>
    runInDurableObject(ws.stub, async (_instance, state) => {
      const at = Date.now() + 30_000;
      await new AlarmSchedule(state.storage).set("silences", at);
      return at;
    });

  it("points the alarm at the earliest task, so a later task never delays an earlier one", async () => {
    const ws = await makeWorkspace();
    const reference = await scheduleReference(ws);
    const times = await runInDurableObject(ws.stub, async (_instance, state) => {
      const schedule = new AlarmSchedule(state.storage);
      const now = Date.now();
      await schedule.set("collector:test", now + 5 * 60_000);
      const afterLater = await state.storage.getAlarm();
      await schedule.set("collector:test", now + 1_000);
      const afterSooner = await state.storage.getAlarm();
      await schedule.ensure("collector:test", now + 9_000);
      const afterEnsure = await state.storage.getAlarm();
      return { now, afterLater, afterSooner, afterEnsure };
    });
    expect(times.afterLater).toBe(reference);
    expect(times.afterSooner).toBe(times.now + 1_000);
    expect(times.afterEnsure).toBe(times.now + 1_000);
  });

  it("drops a due task nobody handles instead of re-firing forever, and keeps the others", async () => {
    const ws = await makeWorkspace();
    const reference = await scheduleReference(ws);
    await makeDue(ws, "retired-task");
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    const left = await runInDurableObject(ws.stub, (_instance, state) => {
      const schedule = new AlarmSchedule(state.storage);
      return { retired: schedule.dueAt("retired-task"), reference: schedule.dueAt("silences") };
    });
    expect(left).toEqual({ retired: undefined, reference });
    expect(await alarmAt(ws)).toBe(reference);
  });

  it("retries a throwing task on its own a minute later; the other due tasks still run", async () => {
    const ws = await makeWorkspace();
    const runs = { boom: 0, other: 0 };
    await runInDurableObject(ws.stub, (instance: Workspace, state) => {
      // Test-only tasks: reach the private registry the way a capability contributes its tasks.
      const composed = (instance as unknown as { c: { alarmTasks: Record<string, () => void> } }).c;
      composed.alarmTasks["boom"] = () => {
        runs.boom++;
        throw new Error("simulated collector failure");
      };
      // Like every real task, it moves or cancels its own due time.
      composed.alarmTasks["other"] = () => {
        runs.other++;
        new AlarmSchedule(state.storage).cancel("other");
      };
    });
    await makeDue(ws, "boom");
    await makeDue(ws, "other");
    const errors = captureConsole("error");
    const started = Date.now();
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    expect(runs).toEqual({ boom: 1, other: 1 });
    expect(errors.lines()).toEqual(["Workspace:alarm boom simulated collector failure"]);
    const due = await runInDurableObject(ws.stub, (_instance, state) => {
      const schedule = new AlarmSchedule(state.storage);
      return { boom: schedule.dueAt("boom")!, other: schedule.dueAt("other") };
    });
    expect(due.boom).toBeGreaterThanOrEqual(started + 60_000 - 1_000);
    expect(due.boom).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(due.other).toBeUndefined();
    expect(await alarmAt(ws)).toBe(due.boom);
  });

  it("re-arms a scheduled task whose alarm went missing at the next cron wake", async () => {
    const ws = await makeWorkspace();
    const reference = await scheduleReference(ws);
    await runInDurableObject(ws.stub, (_instance, state) => state.storage.deleteAlarm());
    expect(await alarmAt(ws)).toBeNull();
    await ws.stub.wake();
    expect(await alarmAt(ws)).toBe(reference);
  });
});
