import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { ACCESS_ASSERTION_HEADER } from "../../providers/access-jwt";
import type { AppEnv } from "../env";
import { unwrap } from "../errors";
import { SESSION_COOKIE, setSessionCookie } from "./session-cookie";
import { clientIp, workspaceStub } from "./workspace-directory";

/** Whether this request offers only a Cloudflare Access assertion (no token, ticket or cookie). */
export function accessOnly(c: Context<AppEnv>, allowTicket: boolean): string | undefined {
  const assertion = c.req.header(ACCESS_ASSERTION_HEADER);
  if (!assertion || c.req.header("Authorization") || getCookie(c, SESSION_COOKIE)) return undefined;
  if (allowTicket && c.req.query("ticket")) return undefined;
  return assertion;
}

/**
 * Behind Cloudflare Access: the workspace object verifies the assertion against its Access
 * settings and, for an enabled member's address, opens a member session. Its cookie is set on
 * this response and used for the rest of the request (as a renewed one is), so the next
 * request carries a session and the assertion is verified once per sign-in, not per request.
 * A workspace without Access answers 401 as any credential-less request.
 */
export async function signInWithAccess(
  c: Context<AppEnv>,
  workspace: string,
  assertion: string,
  unknown: () => Error,
): Promise<void> {
  const address = clientIp(c.req);
  const stub = await workspaceStub(c.env, workspace, address, unknown);
  const opened = unwrap(
    await stub.accessSignIn(assertion, { address, userAgent: c.req.header("User-Agent") }),
  );
  setSessionCookie(c, workspace, opened.session, opened.expiresAt);
  c.set("renewedSession", opened.session);
}
