import {
  SOCKET_CONNECTS_PER_TOKEN,
  connectBurst,
  type SocketCaps,
} from "../../durable-objects/domain/socket-limits";
import { TokenBuckets } from "../../lib/token-bucket";

/**
 * Socket upgrades per credential in this isolate, in front of the object's own allowance
 * (durable-objects/capabilities/socket-guard.ts, the same burst and rate per token). An
 * isolate sees a share of a credential's upgrades, so its bucket is never emptier than the
 * object's and refuses nothing the object would accept; what it saves is the trip to the
 * object for a reconnect loop the object would refuse anyway (the abuse bench's resume flood
 * spent most of its object time answering such refusals). Keyed by the presented secret:
 * a session and its token fill separate buckets here, and the object counts them together.
 */
let buckets: { burst: number; perSecond: number; buckets: TokenBuckets } | undefined;

function bucketsFor(caps: SocketCaps): TokenBuckets {
  const burst = connectBurst(caps);
  if (buckets?.burst !== burst)
    buckets = {
      burst,
      perSecond: SOCKET_CONNECTS_PER_TOKEN.perSecond,
      buckets: new TokenBuckets(burst, SOCKET_CONNECTS_PER_TOKEN.perSecond, 10_000),
    };
  return buckets.buckets;
}

/**
 * Charges one upgrade to `secret` of `workspace`; past the allowance, how long to wait.
 * @example chargeUpgrade(socketCaps(env), "demo", credential.secret, Date.now())
 */
export function chargeUpgrade(
  caps: SocketCaps,
  workspace: string,
  secret: string,
  nowMs = Date.now(),
): { ok: true } | { ok: false; retryAfterSeconds: number } {
  return bucketsFor(caps).take(`${workspace}\n${secret}`, nowMs);
}

/** Refusals made here not yet reported to their workspace, and when it was last told. */
const unreported = new Map<string, { count: number; reportedAt: number }>();
/** How often one isolate reports a workspace's refusals (one object call at most). */
export const UPGRADE_REFUSALS_REPORT_MS = 1_000;

/**
 * Notes one upgrade refused here for `workspace`; returns how many to report to its object
 * now (the first at once, then at most once per `UPGRADE_REFUSALS_REPORT_MS`), or 0, so its
 * `/metrics` refusal counter stays whole at a bounded cost.
 */
export function noteRefusedUpgrade(workspace: string, nowMs = Date.now()): number {
  const entry = unreported.get(workspace) ?? { count: 0, reportedAt: 0 };
  if (!unreported.has(workspace)) {
    if (unreported.size >= 10_000) unreported.clear();
    unreported.set(workspace, entry);
  }
  entry.count += 1;
  if (nowMs - entry.reportedAt < UPGRADE_REFUSALS_REPORT_MS) return 0;
  const count = entry.count;
  entry.count = 0;
  entry.reportedAt = nowMs;
  return count;
}
