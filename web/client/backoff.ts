/** First retry after about a second, doubling, never more than 30 s apart. */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;

/**
 * Exponential backoff with jitter: a random delay in the upper half of the window, so a
 * fleet of pages dropped by one deploy does not reconnect in lockstep.
 * @example backoffDelay(3) // between 4 s and 8 s
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const window = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(window / 2 + random() * (window / 2));
}
