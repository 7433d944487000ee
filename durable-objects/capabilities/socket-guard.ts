import {
  SOCKET_EVICTED_CODE,
  SOCKET_EVICTED_REASON,
  type SocketLimitReason,
  type SocketLimitStats,
} from "../../schema";
import { TokenBuckets } from "../../lib/token-bucket";
import {
  CREDENTIAL_SWEEP_MS,
  SOCKET_CONNECTS_PER_TOKEN,
  connectBurst,
  evictionCount,
  socketCaps,
  type SocketCaps,
} from "../domain/socket-limits";
import { attachmentOf, closeQuietly, principalTag, type SocketAttachment } from "../connections";
import type { AccessStore } from "../store/access";
import { SocketCounters } from "../store/socket-counters";
import type { Host } from "./host";

/** The alarm task that re-checks open sockets' credentials (planned only while one is open). */
const SWEEP_TASK = "sockets:credentials";

type Ended = Extract<
  SocketLimitReason,
  "signed_out" | "token_revoked" | "session_expired" | "member_disabled"
>;

/** Close reasons as the client sees them (1008, policy violation). */
const ENDED_REASON: Record<Ended, string> = {
  signed_out: "signed out",
  token_revoked: "token revoked",
  session_expired: "session expired",
  member_disabled: "member disabled",
};

/**
 * Closes a socket whose credential ended (1008) and counts it; shared by sign-out and token
 * revocation (capabilities/access.ts), the per-frame check and the minute sweep.
 */
export function closeEnded(ws: WebSocket, reason: Ended, counters: SocketCounters): void {
  closeQuietly(ws, 1008, ENDED_REASON[reason]);
  counters.closed(reason);
}

/** Sockets still open; ones the object already closed wait only for the client's reply. */
function open(sockets: WebSocket[]): WebSocket[] {
  return sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
}

/**
 * Bounds what live sockets may hold: the per-token and per-workspace caps at upgrade
 * (domain/socket-limits.ts says which side gives way and why), and the credential behind each
 * socket for as long as it stays open: checked on every inbound frame and by a sweep every
 * minute, so a socket never outlives the session or token that opened it. Counts come from
 * the runtime's own socket list and tags, never from memory, which hibernation would lose.
 */
export class SocketGuard {
  readonly caps: SocketCaps;
  readonly counters: SocketCounters;

  constructor(
    private readonly host: Host,
    private readonly store: AccessStore,
  ) {
    this.caps = socketCaps(host.env);
    this.counters = new SocketCounters(host.sql);
    this.connects = new TokenBuckets(connectBurst(this.caps), SOCKET_CONNECTS_PER_TOKEN.perSecond);
  }

  readonly tasks = { [SWEEP_TASK]: (now: number) => this.sweep(now) };

  /**
   * Upgrades per token, in memory (eviction only resets allowances). The burst is at least the
   * token's socket cap, so all of a token's sockets can reconnect at once after a deploy.
   */
  private readonly connects: TokenBuckets;

  /** Charges one upgrade to `tokenId`; past its allowance, how long to wait (and counted). */
  charge(tokenId: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const charged = this.connects.take(tokenId, nowMs);
    if (!charged.ok) this.counters.refused("connect_rate");
    return charged;
  }

  /**
   * Upgrades the Worker refused on this workspace's behalf (worker/lib/upgrade-limit.ts), in
   * batches of at most one call a second per isolate: counted as the object's own refusals.
   */
  countEdgeRefusals(count: number): void {
    if (Number.isSafeInteger(count) && count > 0) this.counters.refused("connect_rate", count);
  }

  /**
   * Makes room for one more socket of `tokenId`: closes the token's oldest sockets past its
   * cap (4008), or refuses the newcomer (false) when the workspace is full. Synchronous, so
   * the check and the accept that follows it cannot interleave with another upgrade.
   */
  admit(tokenId: string): boolean {
    const mine = open(this.host.ctx.getWebSockets(principalTag(tokenId)));
    const evict = evictionCount(mine.length, this.caps.perPrincipal);
    if (evict === 0 && open(this.host.sockets()).length >= this.caps.perWorkspace) {
      this.counters.refused("workspace_cap");
      return false;
    }
    if (evict > 0) {
      // Stable sort: sockets accepted within one millisecond keep the runtime's accept order.
      const oldest = mine
        .map((ws) => ({ ws, at: attachmentOf(ws)?.connectedAt ?? "" }))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .slice(0, evict);
      for (const { ws } of oldest) closeQuietly(ws, SOCKET_EVICTED_CODE, SOCKET_EVICTED_REASON);
      this.counters.closed("principal_cap", evict);
    }
    return true;
  }

  /** Plans the credential sweep (once) now that a socket is about to be open. */
  watch(nowMs: number): Promise<void> {
    return this.host.schedule.ensure(SWEEP_TASK, nowMs + CREDENTIAL_SWEEP_MS);
  }

  /**
   * On every inbound frame: false (and the socket closed 1008) when its credential ended. The
   * expiry is in the attachment; revocation and sign-out take two primary-key lookups.
   */
  holds(ws: WebSocket, attachment: SocketAttachment, nowMs: number): boolean {
    // Frames sent before our close still arrive; the socket was closed and counted once.
    if (ws.readyState !== WebSocket.OPEN) return false;
    const ended = this.ended(attachment, nowMs);
    if (ended) closeEnded(ws, ended, this.counters);
    return ended === undefined;
  }

  /**
   * The minute task: closes every open socket whose credential ended (each token and session
   * looked up once per sweep), and plans the next sweep only while sockets remain open.
   * Idempotent: a repeated run finds those sockets closing and skips them.
   */
  sweep(nowMs: number): void {
    const verdicts = new Map<string, Ended | undefined>();
    let remaining = 0;
    for (const ws of open(this.host.sockets())) {
      const attachment = attachmentOf(ws);
      // No principal we could check (a foreign or incompatible attachment): make it reconnect.
      if (!attachment) {
        closeQuietly(ws, 1008, "session unknown; reconnect");
        continue;
      }
      const key = `${attachment.principal.tokenId}/${attachment.session ?? ""}`;
      const expired = attachment.expiresAt !== undefined && attachment.expiresAt <= nowMs;
      let ended: Ended | undefined = expired ? "session_expired" : verdicts.get(key);
      if (!expired && !verdicts.has(key)) {
        ended = this.ended(attachment, nowMs);
        verdicts.set(key, ended);
      }
      if (ended) closeEnded(ws, ended, this.counters);
      else remaining++;
    }
    if (remaining > 0) this.host.schedule.write(SWEEP_TASK, nowMs + CREDENTIAL_SWEEP_MS);
    else this.host.schedule.cancel(SWEEP_TASK);
  }

  stats(): SocketLimitStats {
    return {
      capPerPrincipal: this.caps.perPrincipal,
      capPerWorkspace: this.caps.perWorkspace,
      ...this.counters.read(),
    };
  }

  private ended(attachment: SocketAttachment, nowMs: number): Ended | undefined {
    if (attachment.expiresAt !== undefined && attachment.expiresAt <= nowMs)
      return "session_expired";
    return this.store.socketEnded(attachment.principal, attachment.session, nowMs);
  }
}
