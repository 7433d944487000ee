import { fail, ok, type LoginStats, type Outcome } from "../../schema";
import { TokenBuckets } from "../../lib/token-bucket";
import { Counters } from "../store/counters";

/**
 * Sign-in attempts per client IP in one workspace: 10 at once, then one every 10 s. A person
 * mistyping a token a few times never meets it; a guesser gets 6 tries a minute.
 */
export const LOGIN_PER_CLIENT = { burst: 10, perSecond: 0.1 } as const;
/**
 * Sign-in attempts per workspace from all clients together: 60 at once, then one a second,
 * so even a spread-out flood costs the object a bounded amount of hashing.
 */
export const LOGIN_PER_WORKSPACE = { burst: 60, perSecond: 1 } as const;

const FAILED = "login_failed";

/**
 * The sign-in rate limit and its counters. Every attempt is charged before its token is
 * hashed, so a flood is refused before it costs anything; a success refunds its charge, so
 * people signing in (many tabs, a team behind one address) never meet the limit. Buckets live in memory on purpose (as for the
 * mutation limit in access.ts): this object sees every sign-in of its workspace, so counting
 * is exact, costs no write, and eviction only resets allowances. A failed attempt is counted
 * in the aggregated `counters` table (two rows updated in place), never as a row of its own.
 */
export class LoginGuard {
  private readonly perClient = new TokenBuckets(
    LOGIN_PER_CLIENT.burst,
    LOGIN_PER_CLIENT.perSecond,
    10_000,
  );
  private readonly perWorkspace = new TokenBuckets(
    LOGIN_PER_WORKSPACE.burst,
    LOGIN_PER_WORKSPACE.perSecond,
  );
  private limitedByClient = 0;
  private limitedByWorkspace = 0;
  private readonly counters: Counters;

  constructor(sql: SqlStorage) {
    this.counters = new Counters(sql);
  }

  /** Charges one attempt: the client's bucket first, so one address cannot drain the workspace's. */
  admit(client: string, nowMs: number): Outcome<void> {
    const mine = this.perClient.take(client, nowMs);
    if (!mine.ok) {
      this.limitedByClient++;
      return loginRateLimited(mine.retryAfterSeconds, "from this address");
    }
    const all = this.perWorkspace.take("workspace", nowMs);
    if (!all.ok) {
      this.limitedByWorkspace++;
      return loginRateLimited(all.retryAfterSeconds, "for this workspace");
    }
    return ok(undefined);
  }

  failed(nowMs: number): void {
    this.counters.add(FAILED, nowMs);
  }

  /** A successful sign-in gives its charge back: only failures use up the allowance. */
  succeeded(client: string): void {
    this.perClient.refund(client);
    this.perWorkspace.refund("workspace");
  }

  stats(nowMs: number): LoginStats {
    return {
      failedTotal: this.counters.totals(FAILED)[FAILED] ?? 0,
      failedLastHour: this.counters.since(FAILED, nowMs - 60 * 60_000),
      limitedByClient: this.limitedByClient,
      limitedByWorkspace: this.limitedByWorkspace,
    };
  }
}

/** The one 429 for sign-in: the Worker's own per-address check answers with the same words. */
export function loginRateLimited(retryAfterSeconds: number, scope: string) {
  return fail(
    429,
    "rate_limited",
    `Too many sign-in attempts ${scope}: retry in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}

/**
 * The one answer to a token that does not sign in here, whatever the reason (unknown token,
 * revoked, another workspace's, or no such workspace at all), so none can be told apart.
 */
export function invalidLogin() {
  return fail(401, "invalid_token", "That token is not valid for this workspace.", {
    field: "token",
  });
}
