/**
 * How many live sockets one token and one workspace may hold, and what happens past the caps.
 *
 * - Per principal (a token; a browser session counts as the token it was opened with): the
 *   token's OLDEST socket is closed with SOCKET_EVICTED_CODE (schema/socket-close.ts) and the
 *   new one is accepted. A user who reloads, or whose tabs leaked sockets, keeps working; a
 *   loop of connects from one token only ever replaces its own sockets.
 * - Per workspace: the NEW upgrade is refused (429 with Retry-After, before any socket
 *   exists). Closing someone else's socket would let any viewer with many tokens evict the
 *   workspace's other users; refusing the newcomer keeps every open dashboard live.
 */
export const DEFAULT_SOCKET_CAP_PER_PRINCIPAL = 50;
export const DEFAULT_SOCKET_CAP_PER_WORKSPACE = 2000;
/** The platform's limit of sockets per Durable Object; a larger setting means nothing. */
export const MAX_SOCKET_CAP = 32_768;

/**
 * Upgrades one token may make: each costs the object a snapshot, so a reconnect loop is
 * throttled before it is served. The burst lets a token's whole cap reconnect after a deploy.
 */
export const SOCKET_CONNECTS_PER_TOKEN = { burst: 60, perSecond: 1 } as const;
/** Upgrades one token may make at once: the larger of the allowance's burst and its cap. */
export const connectBurst = (caps: SocketCaps): number =>
  Math.max(SOCKET_CONNECTS_PER_TOKEN.burst, caps.perPrincipal);

/** The object's 429 says which limit refused it, so the Worker can say it in the problem. */
export const SOCKET_REFUSAL_HEADER = "Opsdeck-Socket-Refusal";

/** A refused upgrade is told to come back after this long (sockets close at human pace). */
export const SOCKET_RETRY_AFTER_SECONDS = 30;
/** How often the object re-checks the credentials of its open sockets while any is open. */
export const CREDENTIAL_SWEEP_MS = 60_000;

export type SocketCaps = { perPrincipal: number; perWorkspace: number };

/**
 * The caps from the Worker's vars (wrangler.toml [vars]); an unset or malformed value falls
 * back to the default rather than lifting the cap.
 * @example socketCaps({ SOCKET_CAP_PER_PRINCIPAL: "10", SOCKET_CAP_PER_WORKSPACE: "x" })
 * // { perPrincipal: 10, perWorkspace: 2000 }
 */
export function socketCaps(vars: {
  SOCKET_CAP_PER_PRINCIPAL?: string;
  SOCKET_CAP_PER_WORKSPACE?: string;
}): SocketCaps {
  return {
    perPrincipal: capOf(vars.SOCKET_CAP_PER_PRINCIPAL, DEFAULT_SOCKET_CAP_PER_PRINCIPAL),
    perWorkspace: capOf(vars.SOCKET_CAP_PER_WORKSPACE, DEFAULT_SOCKET_CAP_PER_WORKSPACE),
  };
}

function capOf(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return fallback;
  const value = Number(raw.trim());
  return value >= 1 ? Math.min(value, MAX_SOCKET_CAP) : fallback;
}

/**
 * How many of a token's open sockets to close so one more fits under the cap (0 when it
 * fits already); the caller closes that many, oldest first.
 * @example evictionCount(50, 50) // 1
 */
export function evictionCount(open: number, perPrincipal: number): number {
  return Math.max(0, open - perPrincipal + 1);
}
