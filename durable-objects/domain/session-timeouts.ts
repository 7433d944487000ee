/**
 * How long a member's browser session lives: it ends after `idleMs` without a request, and
 * `absoluteMs` after sign-in whatever happens. Set by `MEMBER_SESSION_IDLE_MINUTES` and
 * `MEMBER_SESSION_MAX_HOURS` in wrangler.toml; a value that is not a positive whole number
 * falls back to the default, and idle never exceeds absolute.
 */
export type SessionTimeouts = { idleMs: number; absoluteMs: number };

export const DEFAULT_IDLE_MINUTES = 480;
export const DEFAULT_MAX_HOURS = 168;

/**
 * @example sessionTimeouts({ MEMBER_SESSION_IDLE_MINUTES: "30" }) // { idleMs: 1_800_000, absoluteMs: 604_800_000 }
 */
export function sessionTimeouts(vars: {
  MEMBER_SESSION_IDLE_MINUTES?: string;
  MEMBER_SESSION_MAX_HOURS?: string;
}): SessionTimeouts {
  const absoluteMs = whole(vars.MEMBER_SESSION_MAX_HOURS, DEFAULT_MAX_HOURS) * 3_600_000;
  const idleMs = whole(vars.MEMBER_SESSION_IDLE_MINUTES, DEFAULT_IDLE_MINUTES) * 60_000;
  return { idleMs: Math.min(idleMs, absoluteMs), absoluteMs };
}

function whole(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return fallback;
  const value = Number(raw.trim());
  return value >= 1 ? value : fallback;
}

/**
 * A short, stable description of the browser a session was opened from, for the session
 * list: never the whole header (it identifies more than it needs to, and may be long).
 * @example userAgentSummary("Mozilla/5.0 (X11; Linux x86_64) … Firefox/130.0") // "Firefox on Linux"
 */
export function userAgentSummary(header: string | undefined): string {
  if (!header) return "unknown";
  const browser =
    [
      ["Edg/", "Edge"],
      ["OPR/", "Opera"],
      ["Firefox/", "Firefox"],
      ["Chrome/", "Chrome"],
      ["Safari/", "Safari"],
      ["curl/", "curl"],
    ].find(([needle]) => header.includes(needle!))?.[1] ?? "Other";
  const os =
    [
      ["Windows", "Windows"],
      ["Android", "Android"],
      ["iPhone", "iOS"],
      ["iPad", "iOS"],
      ["Mac OS", "macOS"],
      ["Linux", "Linux"],
    ].find(([needle]) => header.includes(needle!))?.[1] ?? undefined;
  return os ? `${browser} on ${os}` : browser;
}
