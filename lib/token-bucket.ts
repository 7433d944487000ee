/**
 * Per-key token buckets held in memory: a flood from one sender is refused with a
 * `Retry-After` while others keep flowing. Losing the buckets on eviction only resets the
 * allowance, which is harmless.
 * @example const ok = buckets.take(integrationId, Date.now()) // { ok: false, retryAfterSeconds: 1 }
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly maxKeys = 1000,
  ) {}

  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.perSecond);
    bucket.at = nowMs;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.buckets.clear();
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
    };
  }

  /**
   * Gives back one token taken by `take`: for limits that only failures should use up, charged
   * before the outcome is known (so a flood is stopped before any work) and refunded on success.
   */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.capacity, bucket.tokens + 1);
  }
}
