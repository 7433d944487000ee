/**
 * How often one socket may send `resume`: a resume rebuilds a snapshot or reads the event
 * log, so an unthrottled loop of them from any viewer would keep the object busy.
 */
export const RESUME_INTERVAL_MS = 5_000;
/** Resumes a socket may send back to back before the interval applies (a reconnect race). */
export const RESUME_BURST = 2;
/**
 * A resume missing more events than this gets a snapshot instead of the replay: each list
 * event carries its whole list, so past a few dozen events the replay costs more than one
 * snapshot does.
 */
export const MAX_REPLAY_EVENTS = 50;
/**
 * A resume whose missed events carry more than this many payload bytes gets a snapshot too:
 * an `alerts` event carries the whole list (200 alerts with 10 kB labels are 2 MB), so fifty
 * of them were fifty lists, where a snapshot sends each list once.
 */
export const MAX_REPLAY_BYTES = 256 * 1024;

/**
 * Takes one resume from a socket's allowance (GCRA: one timestamp instead of a bucket, so the
 * state fits in the socket's attachment and survives hibernation). `spentUntil` is what the
 * previous call returned (undefined for none); the result is the value to keep, or
 * `undefined` when the resume is refused.
 * @example takeResume(undefined, now) // now + 5000: allowed
 */
export function takeResume(spentUntil: number | undefined, nowMs: number): number | undefined {
  const from = Math.max(spentUntil ?? nowMs, nowMs);
  if (from - nowMs > (RESUME_BURST - 1) * RESUME_INTERVAL_MS) return undefined;
  return from + RESUME_INTERVAL_MS;
}
