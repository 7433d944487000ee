import { z } from "zod";
import { ServerFrame, type Snapshot } from "../../schema";
import { call } from "./workspace";

/** What a client can receive: a server frame, or the auto-response to its ping. */
export const InboundFrame = z.union([ServerFrame, z.object({ type: z.literal("pong") }).strict()]);
export type InboundFrame = z.infer<typeof InboundFrame>;

export type CloseInfo = { code: number; reason: string; wasClean: boolean };

const DEFAULT_MS = 3_000;

/**
 * A client socket that records every frame from the moment it is accepted, so a test can
 * never miss one that arrived before it started waiting. Frames are read through a cursor:
 * `waitForFrame` and `collectFrames` consume, `frames` keeps the whole history.
 */
export class TestSocket {
  /** Every parsed frame, in arrival order. */
  readonly frames: InboundFrame[] = [];
  /** Raw text of frames that did not match the frame schema (should stay empty). */
  readonly invalid: string[] = [];
  /** Every frame's raw text, in arrival order (to check it against another schema). */
  readonly texts: string[] = [];
  closed: CloseInfo | undefined;
  cursor = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const text =
        typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
      this.texts.push(text);
      const parsed = InboundFrame.safeParse(safeJson(text));
      if (parsed.success) this.frames.push(parsed.data);
      else this.invalid.push(text);
      this.notify();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      this.notify();
    });
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.ws.send(data);
  }

  close(code = 1000, reason = "test done"): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** Resolves when `check` returns a value, re-checking after every frame or close. */
  until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): boolean => {
        try {
          const value = check();
          if (value === undefined) return false;
          resolve(value);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        return true;
      };
      if (settle()) return;
      const listener = () => {
        if (!settle()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out after ${ms} ms waiting for ${what}; ${this.describe()}`));
      }, ms);
      this.listeners.add(listener);
    });
  }

  describe(): string {
    const types = this.frames.map((f) => ("seq" in f ? `${f.type}#${f.seq}` : f.type));
    const closed = this.closed ? `closed ${this.closed.code} '${this.closed.reason}'` : "open";
    return `received [${types.join(", ")}], cursor ${this.cursor}, ${closed}`;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

const open = new Set<TestSocket>();

/** Request headers for a WebSocket upgrade, merged with the caller's. */
export function upgradeInit(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Upgrade", "websocket");
  return { ...init, headers };
}

/**
 * Opens a socket through the Worker's fetch handler (auth, Origin check, then the object).
 * Throws with the response body when the upgrade is refused.
 * @example const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer))
 */
export async function openSocket(path: string, init: RequestInit = {}): Promise<TestSocket> {
  const res = await call(path, upgradeInit(init));
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) {
    throw new Error(`upgrade of ${path} refused: ${res.status} ${await res.text()}`);
  }
  const sock = new TestSocket(ws);
  open.add(sock);
  return sock;
}

/** Closes every socket opened by `openSocket` (use in `afterEach`). */
export function closeAllSockets(): void {
  for (const sock of open) sock.close();
  open.clear();
}

/**
 * The next frame (from the socket's cursor) that matches `predicate`; frames before it are
 * skipped. Rejects on timeout or when the socket closes first.
 */
export function waitForFrame<T extends InboundFrame = InboundFrame>(
  sock: TestSocket,
  predicate: ((frame: InboundFrame) => frame is T) | ((frame: InboundFrame) => boolean),
  ms = DEFAULT_MS,
): Promise<T> {
  return sock.until(
    () => {
      for (let i = sock.cursor; i < sock.frames.length; i++) {
        const frame = sock.frames[i]!;
        if (predicate(frame)) {
          sock.cursor = i + 1;
          return frame as T;
        }
      }
      if (sock.closed) throw new Error(`socket closed before the frame: ${sock.describe()}`);
      return undefined;
    },
    ms,
    "a matching frame",
  );
}

/** The next `count` frames from the cursor, optionally only those matching `filter`. */
export function collectFrames(
  sock: TestSocket,
  count: number,
  ms = DEFAULT_MS,
  filter: (frame: InboundFrame) => boolean = () => true,
): Promise<InboundFrame[]> {
  return sock.until(
    () => {
      const found: InboundFrame[] = [];
      for (let i = sock.cursor; i < sock.frames.length; i++) {
        const frame = sock.frames[i]!;
        if (!filter(frame)) continue;
        found.push(frame);
        if (found.length === count) {
          sock.cursor = i + 1;
          return found;
        }
      }
      if (sock.closed) throw new Error(`socket closed after ${found.length}/${count} frames`);
      return undefined;
    },
    ms,
    `${count} frames`,
  );
}

/** Waits `ms` and fails if any frame matching `predicate` arrived after the cursor. */
export async function expectNoFrame(
  sock: TestSocket,
  ms = 200,
  predicate: (frame: InboundFrame) => boolean = () => true,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  const extra = sock.frames.slice(sock.cursor).filter(predicate);
  if (extra.length > 0) {
    throw new Error(`unexpected frames: ${extra.map((f) => JSON.stringify(f)).join(" ")}`);
  }
}

export function waitForClose(sock: TestSocket, ms = DEFAULT_MS): Promise<CloseInfo> {
  return sock.until(() => sock.closed, ms, "close");
}

/** Sends the exact ping text existing clients use and waits for the auto-response. */
export async function pingPong(sock: TestSocket, ms = DEFAULT_MS): Promise<void> {
  sock.send('{"type":"ping"}');
  await waitForFrame(sock, (f) => f.type === "pong", ms);
}

/** Type guards for frames tests care about. */
export type SnapshotFrame = Extract<InboundFrame, { type: "snapshot" }>;
export type ChangeFrame = Exclude<InboundFrame, { type: "snapshot" | "error" | "ping" | "pong" }>;
export type ErrorFrame = Extract<InboundFrame, { type: "error" }>;

export const isSnapshot = (f: InboundFrame): f is SnapshotFrame => f.type === "snapshot";
export const isError = (f: InboundFrame): f is ErrorFrame => f.type === "error";
export const isChange = (f: InboundFrame): f is ChangeFrame =>
  f.type !== "snapshot" && f.type !== "error" && f.type !== "ping" && f.type !== "pong";

/** A client's picture of the workspace: a snapshot with change frames applied in order. */
export type LiveState = Snapshot;

/**
 * The reducer a dashboard client runs. A snapshot replaces everything; a change frame must
 * be exactly the next seq (a gap or a repeat throws) and replaces its list, except
 * `pipeline` (upsert one run) and `activity` (prepend new items), as schema/frames.ts says.
 */
export function applyFrame(
  state: LiveState | undefined,
  frame: InboundFrame,
): LiveState | undefined {
  if (frame.type === "snapshot") return structuredClone(frame.payload);
  if (!isChange(frame)) return state;
  if (!state) throw new Error(`${frame.type} frame before any snapshot`);
  if (frame.seq !== state.seq + 1) {
    throw new Error(`${frame.type} frame has seq ${frame.seq}, expected ${state.seq + 1}`);
  }
  const next: LiveState = { ...state, seq: frame.seq };
  switch (frame.type) {
    case "metrics":
      return { ...next, metrics: frame.payload };
    case "alerts":
      return { ...next, alerts: frame.payload };
    case "incidents":
      return { ...next, incidents: frame.payload };
    case "deployments":
      return { ...next, deployments: frame.payload };
    case "aws-services":
      return { ...next, awsServices: frame.payload };
    case "web3-networks":
      return { ...next, web3Networks: frame.payload };
    case "security":
      return { ...next, security: frame.payload };
    case "sources":
      return { ...next, sources: frame.payload };
    case "anomalies":
      return { ...next, anomalies: frame.payload };
    case "activity":
      return { ...next, activity: [...frame.payload, ...state.activity] };
    case "pipeline": {
      const rest = state.pipelines.filter((p) => p.id !== frame.payload.id);
      return { ...next, pipelines: [frame.payload, ...rest] };
    }
  }
}

/** Folds every frame a socket has received so far into one state. */
export function stateOf(sock: TestSocket): LiveState | undefined {
  let state: LiveState | undefined;
  for (const frame of sock.frames) state = applyFrame(state, frame);
  return state;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
