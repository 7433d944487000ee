/**
 * Formatting shared by the server render and the live client, so both print the same text.
 * Everything here is pure and locale-fixed ("en"), or the two renders would disagree.
 */

const numberFormat = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

/** "just now", "12 s ago", "3 min ago", "5 h ago", "2 d ago"; future instants read "in …". */
export function formatAge(iso: string | undefined, now: number): string {
  if (!iso) return "never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "at an unknown time";
  const diff = now - at;
  const seconds = Math.round(Math.abs(diff) / 1000);
  if (seconds < 5) return "just now";
  const span =
    seconds < 60
      ? `${seconds} s`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)} min`
        : seconds < 172_800
          ? `${Math.floor(seconds / 3600)} h`
          : `${Math.floor(seconds / 86_400)} d`;
  // Clock skew or a sender's future `startsAt` must not read as "-3 s ago".
  return diff < 0 ? `in ${span}` : `${span} ago`;
}

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

/** Metric values may be numbers or preformatted strings (the contract allows both). */
export function formatValue(value: string | number, unit?: string): string {
  const text = typeof value === "number" ? formatNumber(value) : value;
  if (!unit) return text;
  return unit === "%" ? `${text}%` : `${text} ${unit}`;
}

/** Signed percent: "+4.2%", "-3%", "0%". */
export function formatChange(percent: number): string {
  const sign = percent > 0 ? "+" : "";
  return `${sign}${formatNumber(percent)}%`;
}

/** Seconds as "42 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
}

/** A run still going has no duration yet: it says so rather than show a made-up "0 s". */
export function runDuration(run: { status: string; duration: number }): string {
  return run.status === "pending" || run.status === "running"
    ? "in progress"
    : formatDuration(run.duration);
}

export function shortCommit(commit: string): string {
  return /^[0-9a-f]{12,}$/i.test(commit) ? commit.slice(0, 7) : commit;
}

/**
 * Only absolute http(s) links are rendered as links: `javascript:`, `data:` and relative
 * values from senders are shown as text instead (they could run script or mislead).
 */
export function safeHref(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
