import { loginRateLimited } from "../../durable-objects/capabilities/login-guard";
import { bodyLimit } from "hono/body-limit";
import { TokenBuckets } from "../../lib/token-bucket";
import { ApiError } from "../errors";

/**
 * Failed sign-in attempts per client IP in this isolate, across every workspace: 20 at once,
 * then one every 5 s (each attempt is charged up front; a success is refunded). The exact limits live in the workspace object (login-guard.ts: per address
 * and per workspace); this one only keeps a single address's flood from reaching any object,
 * and from spraying guesses over many workspaces. Counting per isolate lets a flood spread
 * over N isolates through N times this, which the object's own limits then bound.
 */
export const LOGIN_PER_CLIENT_EDGE = { burst: 20, perSecond: 0.2 } as const;

const buckets = new TokenBuckets(
  LOGIN_PER_CLIENT_EDGE.burst,
  LOGIN_PER_CLIENT_EDGE.perSecond,
  10_000,
);

/**
 * Charges one sign-in attempt to `client`; over the limit it throws the same 429 (with
 * `Retry-After`) that the object's per-address limit answers.
 * @example chargeLoginAttempt(clientIp(c.req))
 */
export function chargeLoginAttempt(client: string, nowMs = Date.now()): void {
  const charge = buckets.take(client, nowMs);
  if (!charge.ok)
    throw ApiError.from(loginRateLimited(charge.retryAfterSeconds, "from this address"));
}

/** A sign-in that succeeded gives its charge back: only failures use up the allowance. */
export function refundLoginAttempt(client: string): void {
  buckets.refund(client);
}

/** A sign-in body holds one token (at most 200 characters); anything far larger is refused unread. */
export const LOGIN_BODY_MAX_BYTES = 8 * 1024;

/** 413 beyond `LOGIN_BODY_MAX_BYTES`, counted as the body streams (chunked bodies too). */
export const loginBodyLimit = bodyLimit({
  maxSize: LOGIN_BODY_MAX_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      "payload_too_large",
      `Sign-in bodies are limited to ${LOGIN_BODY_MAX_BYTES} bytes.`,
    );
  },
});
