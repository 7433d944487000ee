import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENT_RETENTION, EventLog } from "../../durable-objects/store/event-log";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";
import {
  applyFrame,
  closeAllSockets,
  collectFrames,
  expectNoFrame,
  isChange,
  isSnapshot,
  openSocket,
  pingPong,
  stateOf,
  waitForFrame,
  type InboundFrame,
} from "../helpers/ws";
import { publishMany } from "../helpers/events";

afterEach(closeAllSockets);
// The first test pays workerd's cold start, and a machine running many suites at once can
// stretch that past vitest's 5 s default; frame waits keep their own shorter timeouts.
vi.setConfig({ testTimeout: 20_000 });

const seqOf = (frame: InboundFrame) => ("seq" in frame ? frame.seq : -1);

async function postSample(ws: TestWorkspace, metric: string, value: number): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples: [{ metric, value }] }, ws.operator),
  );
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function putThresholds(ws: TestWorkspace, cpu: number): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/settings`,
    jsonInit("PUT", { thresholds: { cpu } }, ws.admin),
  );
  expect(res.status).toBe(200);
}

describe("EventLog (inside the object)", () => {
  it("numbers events 1, 2, 3… and replays what came after a seq", async () => {
    const ws = await makeWorkspace();
    await runInDurableObject(ws.stub, (_instance, state) => {
      const log = new EventLog(state.storage.sql);
      const start = log.lastSeq;
      const now = new Date();
      const frames = [1, 2, 3].map(() => log.append({ type: "alerts", payload: [] }, now));
      expect(frames.map((f) => f.seq)).toEqual([start + 1, start + 2, start + 3]);
      expect(frames.every((f) => f.ts === now.toISOString())).toBe(true);
      expect(log.lastSeq).toBe(start + 3);
      expect(log.since(start + 3)).toEqual([]);
      expect(log.since(start + 1)?.map((f) => f.seq)).toEqual([start + 2, start + 3]);
      expect(log.since(start)).toEqual(frames);
      expect(log.since(start + 4)).toBeUndefined();
    });
  });

  it(`keeps the last ${EVENT_RETENTION} events, never reuses a seq, and asks for a snapshot past that`, async () => {
    const ws = await makeWorkspace();
    await runInDurableObject(ws.stub, (_instance, state) => {
      const log = new EventLog(state.storage.sql);
      const now = new Date();
      for (let i = 0; i < EVENT_RETENTION + 5; i++)
        log.append({ type: "alerts", payload: [] }, now);
      const last = log.lastSeq;
      expect(last).toBe(EVENT_RETENTION + 5);
      const rows = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one();
      expect(rows.n).toBe(EVENT_RETENTION);
      expect(log.since(last - EVENT_RETENTION)?.length).toBe(EVENT_RETENTION);
      expect(log.since(last - EVENT_RETENTION - 1)).toBeUndefined();
      expect(log.since(0)).toBeUndefined();
      expect(log.append({ type: "alerts", payload: [] }, now).seq).toBe(last + 1);
    });
  });

  it("answers a snapshot (undefined), not a throw, when a stored event no longer parses", async () => {
    const ws = await makeWorkspace();
    await runInDurableObject(ws.stub, (_instance, state) => {
      const log = new EventLog(state.storage.sql);
      const now = new Date();
      const first = log.append({ type: "alerts", payload: [] }, now);
      state.storage.sql.exec(
        "INSERT INTO events (seq, type, payload, ts) VALUES (?, 'retired-type', '{}', ?)",
        first.seq + 1,
        now.toISOString(),
      );
      expect(log.since(first.seq - 1)).toBeUndefined();
      expect(log.since(first.seq + 1)).toEqual([]);
    });
  });
});

describe("catch-up over the socket", () => {
  it("gives a reconnecting client exactly the events it missed, ending in the same state", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, "cpu", 10);
    const steady = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const flaky = await openSocket(`/w/${ws.id}/ws`, bearer(ws.operator));
    await Promise.all([waitForFrame(steady, isSnapshot), waitForFrame(flaky, isSnapshot)]);
    await postSample(ws, "cpu", 20);
    const seen = await waitForFrame(flaky, (f) => f.type === "metrics");
    const lastSeq = seqOf(seen);
    await waitForFrame(steady, (f) => seqOf(f) === lastSeq);
    const before = stateOf(flaky);
    flaky.close();

    // What the flaky client misses: metrics, sources and a second series.
    await postSample(ws, "cpu", 30);
    await putThresholds(ws, 55);
    await postSample(ws, "memory", 70);
    await postSample(ws, "cpu", 40);
    const missed = await collectFrames(steady, 5, 3_000, isChange);

    const back = await openSocket(`/w/${ws.id}/ws?lastSeq=${lastSeq}`, bearer(ws.operator));
    const replay = await collectFrames(back, 5);
    expect(replay).toEqual(missed);
    expect(replay.map(seqOf)).toEqual([1, 2, 3, 4, 5].map((i) => lastSeq + i));
    expect(back.frames.some(isSnapshot)).toBe(false);
    await pingPong(back);
    expect(back.frames.slice(replay.length).map((f) => f.type)).toEqual(["pong"]);

    // The flaky client's state: what it had, plus the replay, through the client reducer.
    let resumed = before;
    for (const frame of replay) resumed = applyFrame(resumed, frame);
    const steadyState = stateOf(steady);
    expect(resumed).toEqual(steadyState);

    // And both equal what a brand-new client is told.
    const fresh = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(fresh, isSnapshot);
    expect(snapshot.seq).toBe(steadyState?.seq);
    expect(snapshot.payload.metrics).toEqual(steadyState?.metrics);
    expect(snapshot.payload.sources).toEqual(steadyState?.sources);
    expect(steadyState?.metrics.map((m) => [m.id, m.value])).toEqual([
      ["cpu", 40],
      ["memory", 70],
    ]);
  });

  it("resumes on an open socket with a resume frame", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    await postSample(ws, "cpu", 1);
    await postSample(ws, "cpu", 2);
    const live = await collectFrames(sock, 2, 3_000, isChange);
    sock.send(JSON.stringify({ type: "resume", lastSeq: snapshot.seq }));
    const replay = await collectFrames(sock, 2);
    expect(replay).toEqual(live);
    sock.send(JSON.stringify({ type: "resume", lastSeq: snapshot.seq + 2 }));
    await expectNoFrame(sock, 150);
  });

  it("sends nothing to a client that is already up to date", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, "cpu", 1);
    const sock = await openSocket(`/w/${ws.id}/ws?lastSeq=1`, bearer(ws.viewer));
    await pingPong(sock);
    expect(sock.frames.map((f) => f.type)).toEqual(["pong"]);
  });

  it("sends a snapshot when the client's seq has aged out of the log", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, "cpu", 1);
    const seq = await publishMany(ws, EVENT_RETENTION + 1);
    expect(seq).toBe(EVENT_RETENTION + 2);
    const sock = await openSocket(`/w/${ws.id}/ws?lastSeq=1`, bearer(ws.viewer));
    const first = await waitForFrame(sock, () => true);
    expect(first.type).toBe("snapshot");
    expect(seqOf(first)).toBe(seq);
    await expectNoFrame(sock, 100, isChange);
    // The oldest seq still kept gets a snapshot too: replaying that many events would cost
    // more than one snapshot (MAX_REPLAY_EVENTS); socket-resume tests the replay limit.
    const edge = await openSocket(
      `/w/${ws.id}/ws?lastSeq=${seq - EVENT_RETENTION}`,
      bearer(ws.viewer),
    );
    expect(seqOf(await waitForFrame(edge, () => true))).toBe(seq);
    expect(edge.frames.map((f) => f.type)).toEqual(["snapshot"]);
    // A resume frame past retention gets a snapshot too.
    edge.send(JSON.stringify({ type: "resume", lastSeq: 0 }));
    expect(seqOf(await waitForFrame(edge, isSnapshot))).toBe(seq);
  });

  it("sends a snapshot for a seq from the future or a malformed lastSeq", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, "cpu", 1);
    for (const query of [
      "lastSeq=99",
      "lastSeq=abc",
      "lastSeq=",
      "lastSeq=-1",
      "lastSeq=1.5",
      "lastSeq=1e3",
      "lastSeq=99999999999999999999",
    ]) {
      const sock = await openSocket(`/w/${ws.id}/ws?${query}`, bearer(ws.viewer));
      const first = await waitForFrame(sock, () => true);
      expect(first.type, query).toBe("snapshot");
      expect(seqOf(first), query).toBe(1);
      sock.close();
    }
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, isSnapshot);
    sock.send(JSON.stringify({ type: "resume", lastSeq: 1000 }));
    expect(seqOf(await waitForFrame(sock, isSnapshot))).toBe(1);
  });
});
