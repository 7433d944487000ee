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

// The records' `duration` strings come from these same functions (one source per fact).
export { formatDuration, runDuration } from "../../schema/durations";

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
