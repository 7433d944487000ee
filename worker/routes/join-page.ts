import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { AcceptInvitationBody } from "../../schema";
import { JoinPage } from "../../web/pages/join";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { ApiError, unwrap } from "../errors";
import { chargeLoginAttempt, loginBodyLimit, refundLoginAttempt } from "../lib/login-limit";
import { SESSION_COOKIE, setSessionCookie } from "../lib/session-cookie";
import { clientIp, findWorkspace } from "../lib/workspace-directory";
import { workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { themeOf } from "./pages-common";

const INVALID =
  "This invitation link is unknown, already used, revoked or expired; ask an admin of the workspace for a new one.";

/**
 * The invitation link's page, without JavaScript: a form that posts the invitation's secret
 * and the invitee's name, and on success signs them in (the same path and limits as
 * `POST api/invitations/accept`). Every page is `Referrer-Policy: same-origin`, so the secret
 * in the link's query never reaches another site.
 */
export const joinPageRoutes = new Hono<AppEnv>()
  .get("/w/:workspace/join", (c) => {
    const invitation = c.req.query("invitation") ?? "";
    return c.html(
      renderPage(JoinPage({ workspace: workspaceParam(c), invitation, theme: themeOf(c) })),
    );
  })
  .post("/w/:workspace/join", loginBodyLimit, async (c) => {
    const workspace = workspaceParam(c);
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin)
      throw new ApiError(403, "csrf_rejected", "Cross-site invitation acceptance refused.");
    const form = await c.req.parseBody();
    const invitation = typeof form.invitation === "string" ? form.invitation : "";
    const page = (error: string, status: 400 | 409 | 410 | 429) =>
      c.html(renderPage(JoinPage({ workspace, invitation, error, theme: themeOf(c) })), status);
    const client = clientIp(c.req);
    try {
      chargeLoginAttempt(client);
    } catch (error) {
      if (error instanceof ApiError && error.status === 429)
        return page("Too many attempts: try again in a minute.", 429);
      throw error;
    }
    const parsed = AcceptInvitationBody.safeParse({
      token: invitation,
      name: typeof form.name === "string" ? form.name.trim() : "",
    });
    if (!parsed.success)
      return page("Give a name of letters, digits, spaces and . , ' _ @ - only.", 400);
    if (workspaceOfSecret(parsed.data.token) !== workspace) return page(INVALID, 410);
    const stub = await findWorkspace(c.env, workspace, client);
    if (!stub) return page(INVALID, 410);
    let opened: { session: string; expiresAt: string };
    try {
      opened = unwrap(
        await stub.acceptInvitation(parsed.data, {
          address: client,
          userAgent: c.req.header("User-Agent"),
          replaces: getCookie(c, SESSION_COOKIE),
        }),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return page(error.detail, error.status === 429 ? 429 : error.status === 409 ? 409 : 410);
    }
    refundLoginAttempt(client);
    setSessionCookie(c, workspace, opened.session, opened.expiresAt);
    return c.redirect(`/w/${workspace}`, 303);
  });
