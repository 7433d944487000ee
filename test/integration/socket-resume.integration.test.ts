import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  MAX_REPLAY_EVENTS,
  RESUME_BURST,
  RESUME_INTERVAL_MS,
  takeResume,
  MAX_REPLAY_BYTES,
} from "../../durable-objects/domain/resume-allowance";
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
  waitForClose,
  waitForFrame,
  type InboundFrame,
} from "../helpers/ws";
import { publishMany } from "../helpers/events";
import { makeAlert } from "../helpers/seed";
import { EventLog } from "../../durable-objects/store/event-log";

afterEach(closeAllSockets);
// The first test pays workerd's cold start; frame waits keep their own shorter timeouts.
vi.setConfig({ testTimeout: 20_000 });

const seqOf = (frame: InboundFrame) => ("seq" in frame ? frame.seq : -1);

async function postSample(ws: TestWorkspace, value: number): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples: [{ metric: "cpu", value }] }, ws.operator),
  );
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

/** What is stored that a resume could touch: the event log and the audit trail. */
async function stored(ws: TestWorkspace): Promise<unknown> {
  return runInDurableObject(ws.stub, (_instance, state) => ({
    events: state.storage.sql.exec("SELECT COUNT(*) AS n, MAX(seq) AS s FROM events").toArray(),
    audit: state.storage.sql.exec("SELECT COUNT(*) AS n FROM audit").toArray(),
  }));
}

describe("resume allowance (GCRA)", () => {
  it(`allows ${RESUME_BURST} at once, then one per ${RESUME_INTERVAL_MS} ms`, () => {
    const now = 1_000_000;
    let spent = takeResume(undefined, now);
    expect(spent).toBe(now + RESUME_INTERVAL_MS);
    for (let i = 1; i < RESUME_BURST; i++) spent = takeResume(spent, now);
    expect(spent).toBeDefined();
    expect(takeResume(spent, now)).toBeUndefined();
    expect(takeResume(spent, now + RESUME_INTERVAL_MS - 1)).toBeUndefined();
    expect(takeResume(spent, now + RESUME_INTERVAL_MS)).toBeDefined();
    // A long-idle socket gets its burst back, never more.
    expect(takeResume(spent, now + 60_000)).toBe(now + 60_000 + RESUME_INTERVAL_MS);
  });
});

describe("resume frames over the socket", () => {
  it("closes a socket looping resumes with 1008 after the allowance; others are unaffected", async () => {
    const ws = await makeWorkspace();
    await postSample(ws, 1);
    const bystander = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const abuser = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await Promise.all([waitForFrame(bystander, isSnapshot), waitForFrame(abuser, isSnapshot)]);
    const before = await stored(ws);

    for (let i = 0; i < 20; i++) abuser.send(JSON.stringify({ type: "resume", lastSeq: 0 }));
    const error = await waitForFrame(abuser, isError);
    expect(error.payload.code).toBe("rate_limited");
    expect(error.payload.message).toMatch(/resume/);
    const closed = await waitForClose(abuser);
    expect(closed).toMatchObject({ code: 1008, reason: "too many resumes" });
    // Only the allowance was served: one replay per allowed resume, then the error.
    expect(abuser.frames.map((f) => f.type)).toEqual([
      "snapshot",
      ...Array<string>(RESUME_BURST).fill("metrics"),
      "error",
    ]);

    expect(await stored(ws)).toEqual(before);
    await pingPong(bystander);
    await postSample(ws, 2);
    const next = await waitForFrame(bystander, (f) => f.type === "metrics");
    expect(seqOf(next)).toBe(2);
  });

  it("counts resumes in the attachment, so a woken object still refuses", async () => {
    const ws = await makeWorkspace();
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    for (let i = 0; i < RESUME_BURST; i++) {
      sock.send(JSON.stringify({ type: "resume", lastSeq: snapshot.seq }));
    }
    await pingPong(sock);
    await evictDurableObject(ws.stub);
    sock.send(JSON.stringify({ type: "resume", lastSeq: snapshot.seq }));
    expect((await waitForFrame(sock, isError)).payload.code).toBe("rate_limited");
    expect((await waitForClose(sock)).code).toBe(1008);
  });

  it(`replays up to ${MAX_REPLAY_EVENTS} missed events and sends a snapshot past that`, async () => {
    const ws = await makeWorkspace();
    const seq = await publishMany(ws, MAX_REPLAY_EVENTS + 200);

    const near = await openSocket(
      `/w/${ws.id}/ws?lastSeq=${seq - MAX_REPLAY_EVENTS}`,
      bearer(ws.viewer),
    );
    const replay = await collectFrames(near, MAX_REPLAY_EVENTS, 5_000);
    expect(replay.map(seqOf)).toEqual(
      Array.from({ length: MAX_REPLAY_EVENTS }, (_, i) => seq - MAX_REPLAY_EVENTS + 1 + i),
    );
    expect(near.frames.some(isSnapshot)).toBe(false);

    const far = await openSocket(
      `/w/${ws.id}/ws?lastSeq=${seq - MAX_REPLAY_EVENTS - 1}`,
      bearer(ws.viewer),
    );
    expect(seqOf(await waitForFrame(far, isSnapshot))).toBe(seq);
    // A resume frame far behind (but still in the log) gets one snapshot, not 250 frames.
    far.send(JSON.stringify({ type: "resume", lastSeq: 1 }));
    expect(seqOf(await waitForFrame(far, isSnapshot))).toBe(seq);
    await expectNoFrame(far, 150, isChange);
    expect(far.frames.map((f) => f.type)).toEqual(["snapshot", "snapshot"]);
  });

  it(`sends a snapshot when the missed events carry more than ${MAX_REPLAY_BYTES} bytes`, async () => {
    const ws = await makeWorkspace();
    // Three whole-list events of 100 alerts with 1 kB messages: few events, many bytes.
    const { from, last, bytes } = await runInDurableObject(ws.stub, (_i, state) => {
      const log = new EventLog(state.storage.sql);
      const start = log.lastSeq;
      const alerts = Array.from({ length: 100 }, (_, i) =>
        makeAlert({ id: `big-${i}`, message: "m".repeat(1024) }),
      );
      const now = new Date();
      for (let i = 0; i < 3; i++) log.append({ type: "alerts", payload: alerts }, now);
      return { from: start, last: log.lastSeq, bytes: log.bytesSince(start) };
    });
    expect(last - from).toBeLessThanOrEqual(MAX_REPLAY_EVENTS);
    expect(bytes).toBeGreaterThan(MAX_REPLAY_BYTES);
    const sock = await openSocket(`/w/${ws.id}/ws?lastSeq=${from}`, bearer(ws.viewer));
    const first = await waitForFrame(sock, () => true);
    expect(first.type).toBe("snapshot");
    expect(seqOf(first)).toBe(last);
    // One event's worth still replays.
    const near = await openSocket(`/w/${ws.id}/ws?lastSeq=${last - 1}`, bearer(ws.viewer));
    expect(seqOf(await waitForFrame(near, () => true))).toBe(last);
    expect(near.frames.some(isSnapshot)).toBe(false);
  });
});
