// One client process of the benchmark: holds a share of the sockets to each target server
// and timestamps, per target, when the armed metrics frame reaches each of its sockets.
// Commands arrive over IPC from bench/run.mjs; each gets one reply with the same id, and
// `arm` a second one (`<id>:result`) when its round completes.
import WebSocket from "ws";
import { nowMs } from "./stats.mjs";

const METRICS_PREFIX = Buffer.from('{"type":"metrics"');
const SEQ_KEY = Buffer.from('"seq":');

/** @type {Map<string, {sockets: Set<WebSocket>, maxSeq: number, armed?: Armed}>} */
const targets = new Map();
/**
 * @typedef {{ after: number, seq?: number, count: number, first: number, last: number,
 *   bytes: number, resolve: (r: object) => void, timer: NodeJS.Timeout }} Armed
 */

function targetState(name) {
  let t = targets.get(name);
  if (!t) {
    t = { sockets: new Set(), maxSeq: 0 };
    targets.set(name, t);
  }
  return t;
}

/** Reads `"seq":<digits>` from the tail of a frame without parsing the JSON. */
function seqOf(buf) {
  const at = buf.lastIndexOf(SEQ_KEY);
  if (at < 0) return undefined;
  let n = 0;
  let i = at + SEQ_KEY.length;
  for (; i < buf.length && buf[i] >= 48 && buf[i] <= 57; i++) n = n * 10 + (buf[i] - 48);
  return i > at + SEQ_KEY.length ? n : undefined;
}

// Kept to a timestamp and a few byte compares: the receiving loop is part of what is timed.
function onFrame(t, data) {
  const at = nowMs();
  if (data.length < METRICS_PREFIX.length || METRICS_PREFIX.compare(data, 0, 17) !== 0) return;
  const seq = seqOf(data);
  if (seq === undefined) return;
  if (seq > t.maxSeq) t.maxSeq = seq;
  const armed = t.armed;
  if (!armed || seq <= armed.after) return;
  if (armed.seq === undefined) {
    armed.seq = seq;
    armed.first = at;
    armed.bytes = data.length;
  }
  if (seq !== armed.seq) return;
  armed.count += 1;
  armed.last = at;
  if (armed.count >= t.sockets.size) finish(t);
}

function finish(t) {
  const armed = t.armed;
  if (!armed) return;
  t.armed = undefined;
  clearTimeout(armed.timer);
  armed.resolve({
    seq: armed.seq,
    count: armed.count,
    expected: t.sockets.size,
    first: armed.first,
    last: armed.last,
    bytes: armed.bytes,
  });
}

/** Opens one socket and resolves once its first frame (the snapshot) has arrived. */
function openOne(t, url, headers, timeoutMs) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: timeoutMs,
    });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("no first frame in time"));
    }, timeoutMs);
    ws.once("message", (data) => {
      clearTimeout(timer);
      const seq = seqOf(data);
      if (seq !== undefined && seq > t.maxSeq) t.maxSeq = seq;
      t.sockets.add(ws);
      ws.on("message", (frame) => onFrame(t, frame));
      resolve();
    });
    ws.on("close", () => {
      t.sockets.delete(ws);
    });
    ws.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode} on upgrade`));
      res.resume();
      ws.terminate();
    });
  });
}

async function open({ target, url, headers, count, concurrency, timeoutMs }) {
  const t = targetState(target);
  let started = 0;
  let failed = 0;
  const errors = new Map();
  const lane = async () => {
    while (started < count) {
      started += 1;
      try {
        await openOne(t, url, headers, timeoutMs);
      } catch (error) {
        failed += 1;
        const key = error instanceof Error ? error.message : String(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { open: t.sockets.size, failed, errors: Object.fromEntries(errors), maxSeq: t.maxSeq };
}

/** Arms a target: the next metrics frame newer than anything seen so far is the one timed. */
function arm({ target, timeoutMs }) {
  const t = targetState(target);
  let done;
  const result = new Promise((resolve) => (done = resolve));
  t.armed = {
    after: t.maxSeq,
    count: 0,
    first: Number.NaN,
    last: Number.NaN,
    bytes: 0,
    resolve: done,
    timer: setTimeout(() => finish(t), timeoutMs),
  };
  if (t.sockets.size === 0) finish(t);
  return result;
}

async function closeAll() {
  const waits = [];
  for (const t of targets.values()) {
    for (const ws of t.sockets) {
      waits.push(new Promise((resolve) => ws.once("close", resolve)));
      ws.close(1000, "bench done");
    }
  }
  // Servers answer close frames; a bounded wait, then anything left is cut.
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]);
  for (const t of targets.values()) for (const ws of t.sockets) ws.terminate();
}

const pending = new Map();
process.on("message", async (msg) => {
  const reply = (body) => process.send({ id: msg.id, ...body });
  try {
    if (msg.cmd === "open") reply(await open(msg));
    else if (msg.cmd === "arm") {
      // Acknowledge arming at once; the measurement itself is delivered as a second message.
      pending.set(msg.id, arm(msg));
      reply({ armed: true });
      process.send({ id: `${msg.id}:result`, ...(await pending.get(msg.id)) });
      pending.delete(msg.id);
    } else if (msg.cmd === "close") {
      await closeAll();
      reply({ closed: true });
    } else if (msg.cmd === "stop") process.exit(0);
    else reply({ error: `unknown command ${msg.cmd}` });
  } catch (error) {
    reply({ error: error instanceof Error ? error.message : String(error) });
  }
});
process.on("disconnect", () => process.exit(0));
