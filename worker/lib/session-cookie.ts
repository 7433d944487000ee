import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";

export const SESSION_COOKIE = "opsdeck_session";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The browser session cookie's attributes: `HttpOnly`, `SameSite=Lax`, scoped to the
 * workspace, and `Secure` everywhere except plain http on a loopback address, so `npm start`
 * at http://127.0.0.1:8787 keeps working (curl's cookie jar and some browsers drop a Secure
 * cookie received over http) while any real deployment, or http on another host, gets it.
 */
export function sessionCookieOptions(c: Context<AppEnv>, workspace: string) {
  const url = new URL(c.req.url);
  return {
    path: `/w/${workspace}`,
    httpOnly: true,
    secure: !(url.protocol === "http:" && LOOPBACK.has(url.hostname)),
    sameSite: "Lax" as const,
  };
}

/** Sets the session cookie (a fresh secret on every sign-in or renewal). */
export function setSessionCookie(
  c: Context<AppEnv>,
  workspace: string,
  session: string,
  expiresAt: string,
): void {
  setCookie(c, SESSION_COOKIE, session, {
    ...sessionCookieOptions(c, workspace),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, workspace: string): void {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c, workspace));
}

/**
 * The caller's browser session: the one `authorize` just renewed (its cookie is on this
 * response), else the cookie the browser sent. Sign-out, socket tickets and "current" in the
 * session list use it, so they act on the session the browser holds from now on.
 */
export const presentedSession = (c: Context<AppEnv>): string | undefined =>
  c.get("renewedSession") ?? getCookie(c, SESSION_COOKIE);

/** Every session a sign-out must end: the cookie sent and, if just renewed, its successor. */
export function heldSessions(c: Context<AppEnv>): string[] {
  const sent = getCookie(c, SESSION_COOKIE);
  const renewed = c.get("renewedSession");
  return [sent, renewed].filter((s): s is string => s !== undefined);
}
