import {
  CREDENTIAL_HEADER,
  ClientFrame,
  Credential,
  FRAMES_PARAM,
  MAX_CLIENT_FRAME_BYTES,
  PONG_FRAME,
} from "../../schema";
import { logSafe } from "../../lib/log-safe";
import {
  MAX_REPLAY_BYTES,
  MAX_REPLAY_EVENTS,
  RESUME_BURST,
  RESUME_INTERVAL_MS,
  takeResume,
} from "../domain/resume-allowance";
import { SOCKET_REFUSAL_HEADER, SOCKET_RETRY_AFTER_SECONDS } from "../domain/socket-limits";
import {
  CONTRACT_TAG,
  SOCKET_TAG,
  attachmentOf,
  principalTag,
  closeQuietly,
  isReservedCloseCode,
  sendFrame,
  type SocketAttachment,
} from "../connections";
import type { Access } from "./access";
import type { Host } from "./host";
import type { ReadModel } from "./read-model";
import type { SocketGuard } from "./socket-guard";

/**
 * Live sockets: the upgrade (authenticated here, in the same call), the snapshot or missed
 * events on connect and on `resume`, and inbound frames. Hibernatable: pings are answered by
 * the runtime's auto-response, so an idle socket never wakes the object.
 *
 * A `?frames=contract` socket (schema/frames.ts FrameMode) gets, on connect and on every
 * `resume` or `?lastSeq=`, the contract's frames, one per type, as of now: its `activity`
 * frames carry the whole feed, so replaying logged events (whose `activity` holds only new
 * items) would mislead it; the current frames are never more than a snapshot's worth.
 *
 * How many sockets a token and the workspace may hold, and how long a socket's credential
 * holds, is the guard's to say (capabilities/socket-guard.ts).
 */
export class Sockets {
  constructor(
    private readonly host: Host,
    private readonly access: Access,
    private readonly read: ReadModel,
    private readonly guard: SocketGuard,
  ) {}

  /** Upgrades a WebSocket whose credential the Worker has vetted (shape, workspace). */
  async upgrade(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    }
    const credential = Credential.safeParse(safeJson(request.headers.get(CREDENTIAL_HEADER) ?? ""));
    const resolved =
      credential.success && this.host.info()
        ? await this.access.store.resolveWithSession(credential.data, new Date())
        : undefined;
    if (!resolved) return new Response("Invalid, expired or revoked credential", { status: 401 });
    const now = Date.now();
    // A reconnect loop is refused before it costs a snapshot.
    const charged = this.guard.charge(resolved.principal.tokenId, now);
    if (!charged.ok)
      return new Response("Too many connections from this token", {
        status: 429,
        headers: {
          "Retry-After": String(charged.retryAfterSeconds),
          [SOCKET_REFUSAL_HEADER]: "connect_rate",
        },
      });
    // Before the caps: admit and accept then run with no await between them.
    await this.guard.watch(now);
    if (!this.guard.admit(resolved.principal.tokenId)) {
      const retryAfter = String(SOCKET_RETRY_AFTER_SECONDS);
      return new Response("Socket limit reached", {
        status: 429,
        headers: { "Retry-After": retryAfter },
      });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const query = new URL(request.url).searchParams;
    // The Worker refused any other value before the object was touched.
    const contract = query.get(FRAMES_PARAM) === "contract";
    const attachment: SocketAttachment = {
      opsdeck: 1,
      principal: resolved.principal,
      connectedSeq: this.host.log.lastSeq,
      connectedAt: new Date(now).toISOString(),
      session: resolved.session,
      ...(resolved.expiresAt === undefined ? {} : { expiresAt: resolved.expiresAt }),
      ...(contract ? { frames: "contract" as const } : {}),
    };
    const tags = [SOCKET_TAG, principalTag(resolved.principal.tokenId)];
    this.host.ctx.acceptWebSocket(server, contract ? [...tags, CONTRACT_TAG] : tags);
    server.serializeAttachment(attachment);
    // Sent before the 101 is returned: the runtime queues them, so the snapshot (or the
    // missed events) always precedes any broadcast this socket receives.
    this.catchUp(server, attachment, parseSeq(query.get("lastSeq")));
    return new Response(null, { status: 101, webSocket: client });
  }

  message(ws: WebSocket, message: string | ArrayBuffer): void {
    try {
      const size =
        typeof message === "string"
          ? new TextEncoder().encode(message).byteLength
          : message.byteLength;
      if (size > MAX_CLIENT_FRAME_BYTES) return closeQuietly(ws, 1009, "frame too large");
      if (typeof message !== "string") return closeQuietly(ws, 1003, "text frames only");
      // A socket whose attachment no longer parses (foreign, or from an incompatible
      // version) has no principal we could authorize: make the client reconnect.
      const attachment = attachmentOf(ws);
      if (!attachment) return closeQuietly(ws, 1008, "session unknown; reconnect");
      // The session or token that opened it may have ended since (expiry, sign-out, revoke).
      if (!this.guard.holds(ws, attachment, Date.now())) return;
      const frame = ClientFrame.safeParse(safeJson(message));
      if (!frame.success)
        return this.sendError(
          ws,
          "invalid_frame",
          "Expected {type:'ping'|'pong'|'resume', …} JSON.",
        );
      if (frame.data.type === "resume") this.resume(ws, attachment, frame.data.lastSeq);
      else if (frame.data.type === "ping") ws.send(PONG_FRAME);
    } catch (error) {
      console.error("Workspace:webSocketMessage", logSafe(error));
    }
  }

  close(ws: WebSocket, code: number, reason: string): void {
    // Reciprocate so workerd releases the socket instead of leaving it half-open.
    if (!isReservedCloseCode(code)) closeQuietly(ws, code, reason);
  }

  error(ws: WebSocket, error: unknown): void {
    console.warn("Workspace:webSocketError", logSafe(error));
    closeQuietly(ws, 1011, "socket error");
  }

  /**
   * A `resume` frame, within the socket's allowance; past it the socket gets an error frame
   * and is closed, since a well-behaved client resumes once per reconnect.
   */
  private resume(ws: WebSocket, attachment: SocketAttachment, lastSeq: number): void {
    const spentUntil = takeResume(attachment.resumesSpentUntil, Date.now());
    if (spentUntil === undefined) {
      // Frames the client sent before our close still arrive: the socket is answered once.
      if (ws.readyState !== WebSocket.OPEN) return;
      this.sendError(
        ws,
        "rate_limited",
        `At most ${RESUME_BURST} resumes at once, then one per ${RESUME_INTERVAL_MS / 1000} s; reconnect with ?lastSeq= instead.`,
      );
      return closeQuietly(ws, 1008, "too many resumes");
    }
    // Persisted before the work, so a resume that wakes a hibernated object still counts.
    ws.serializeAttachment({ ...attachment, resumesSpentUntil: spentUntil });
    this.catchUp(ws, attachment, lastSeq);
  }

  /**
   * The events missed since `lastSeq`, or the whole snapshot when they are no longer kept or
   * more than MAX_REPLAY_EVENTS or MAX_REPLAY_BYTES (a replay never costs more than a snapshot); a
   * `contract` socket gets the contract's frames as of now instead (see the class comment).
   */
  private catchUp(ws: WebSocket, attachment: SocketAttachment, lastSeq: number | undefined): void {
    if (attachment.frames === "contract") {
      const seq = this.host.log.lastSeq;
      const ts = new Date().toISOString();
      for (const event of this.read.contractFrames()) sendFrame(ws, { ...event, seq, ts });
      return;
    }
    // Seqs are consecutive, so the distance is the number of missed events (one cheap MAX).
    const tooFar =
      lastSeq === undefined ||
      this.host.log.lastSeq - lastSeq > MAX_REPLAY_EVENTS ||
      this.host.log.bytesSince(lastSeq) > MAX_REPLAY_BYTES;
    const missed = tooFar ? undefined : this.host.log.since(lastSeq);
    if (missed) {
      for (const frame of missed) sendFrame(ws, frame);
      return;
    }
    const snapshot = this.read.snapshot();
    const ts = new Date().toISOString();
    sendFrame(ws, { type: "snapshot", payload: snapshot, seq: snapshot.seq, ts });
  }

  private sendError(ws: WebSocket, code: string, message: string): void {
    const frame = { type: "error", payload: { code, message } } as const;
    sendFrame(ws, { ...frame, seq: this.host.log.lastSeq, ts: new Date().toISOString() });
  }
}

/** `?lastSeq=` as a non-negative integer; anything else means "no position" (snapshot). */
function parseSeq(raw: string | null): number | undefined {
  return raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
