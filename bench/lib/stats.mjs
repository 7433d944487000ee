/** Nearest-rank percentile of a list of numbers (p in 0..100); NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (values) => percentile(values, 50);

/** Milliseconds on the machine-wide monotonic clock: comparable across processes. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
