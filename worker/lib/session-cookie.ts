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

/** The session cookie the browser sent, if any (ended at sign-in: no fixation). */
export const presentedSession = (c: Context<AppEnv>): string | undefined =>
  getCookie(c, SESSION_COOKIE);
