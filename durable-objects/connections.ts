import { z } from "zod";
import { Principal, type ServerFrame } from "../schema";
import { logSafe } from "../lib/log-safe";

/** What each socket carries through hibernation (≤ 16 KiB; kept tiny). */
export const SocketAttachment = z.object({
  opsdeck: z.literal(1),
  principal: Principal,
  connectedSeq: z.number().int().nonnegative(),
  connectedAt: z.string(),
  /** The browser session it was opened with (its hash), so signing out closes it. */
  session: z.string().optional(),
});
export type SocketAttachment = z.infer<typeof SocketAttachment>;

export const SOCKET_TAG = "live";

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
 * Returns the frame's size in bytes (what pacing the next frames is based on).
 */
export function broadcast(ctx: DurableObjectState, frame: ServerFrame): number {
  const text = JSON.stringify(frame);
  for (const ws of ctx.getWebSockets(SOCKET_TAG)) sendText(ws, text);
  return text.length;
}

function sendText(ws: WebSocket, text: string): void {
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
