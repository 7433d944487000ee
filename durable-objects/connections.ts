import { z } from "zod";
import { Principal, type ChangeEvent, type ServerFrame } from "../schema";
import { logSafe } from "../lib/log-safe";
import { checkFrame } from "./store/budget-guard";

/** What each socket carries through hibernation (≤ 16 KiB; kept tiny). */
export const SocketAttachment = z.object({
  opsdeck: z.literal(1),
  principal: Principal,
  connectedSeq: z.number().int().nonnegative(),
  connectedAt: z.string(),
  /** The browser session it was opened with (its hash), so signing out closes it. */
  session: z.string().optional(),
  /**
   * Epoch ms when the browser session it was opened with expires (absent for a bearer
   * token, which has no expiry): checked on every inbound frame without touching storage.
   */
  expiresAt: z.number().int().nonnegative().optional(),
  /** `?frames=contract` (schema/frames.ts FrameMode); absent means Opsdeck's own frames. */
  frames: z.literal("contract").optional(),
  /**
   * Epoch ms up to which this socket's `resume` allowance is spent (domain/resume-allowance.ts);
   * absent until its first resume.
   */
  resumesSpentUntil: z.number().int().nonnegative().optional(),
});
export type SocketAttachment = z.infer<typeof SocketAttachment>;

export const SOCKET_TAG = "live";
/**
 * Also carried by `contract` sockets, so a broadcast finds them by tag (cheap, and kept
 * through hibernation) rather than by reading every socket's attachment.
 */
export const CONTRACT_TAG = "frames:contract";

/**
 * Carried by every socket of one token (sessions count as their token), so the per-principal
 * cap counts them by tag instead of reading every attachment. Token ids are UUIDs, well
 * within the runtime's 256-character tag limit.
 */
export function principalTag(tokenId: string): string {
  return `principal:${tokenId}`;
}

/** Reads a socket's attachment defensively: a socket that is not ours yields undefined. */
export function attachmentOf(ws: WebSocket): SocketAttachment | undefined {
  try {
    const parsed = SocketAttachment.safeParse(ws.deserializeAttachment());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  sendText(ws, JSON.stringify(frame));
}

/**
 * Serialises once and sends to every live socket; one broken socket never stops the rest.
 * `contract`, when given, is what `contract` sockets get instead (same seq and ts): read and
 * serialised once, and only when such a socket is connected. Returns the frame's size in
 * bytes (what pacing the next frames is based on).
 */
export function broadcast(
  ctx: DurableObjectState,
  frame: ServerFrame,
  contract?: () => ChangeEvent,
): number {
  const text = JSON.stringify(frame);
  const sockets = ctx.getWebSockets(SOCKET_TAG);
  let contractText: string | undefined;
  for (const ws of sockets) {
    if (contract && ctx.getTags(ws).includes(CONTRACT_TAG)) {
      contractText ??= JSON.stringify({ ...contract(), seq: frame.seq, ts: frame.ts });
      sendText(ws, contractText);
    } else sendText(ws, text);
  }
  return text.length;
}

function sendText(ws: WebSocket, text: string): void {
  // Outside the try: a frame over budget is a bug to surface, not a broken socket to skip.
  checkFrame(text);
  // A socket we (or its client) already closed stays listed until its close completes:
  // skipping it is normal, not a fault worth a log line.
  if (ws.readyState !== WebSocket.OPEN) return;
  try {
    ws.send(text);
  } catch (error) {
    console.warn("Workspace:broadcast send failed", logSafe(error));
  }
}

/** Codes an endpoint may not send in a close frame (RFC 6455 §7.4.1). */
export function isReservedCloseCode(code: number): boolean {
  return code === 1005 || code === 1006 || code === 1015;
}

export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed: nothing left to do
  }
}
