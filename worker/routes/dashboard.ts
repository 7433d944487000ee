import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { DashboardPage } from "../../web/pages/dashboard";
import { LoginPage } from "../../web/pages/login";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { SESSION_COOKIE, authorize, workspaceOfSecret, workspaceParam } from "../middleware/auth";

const loginPath = (workspace: string) => `/w/${workspace}/login`;

/**
 * A person with a missing or expired session gets the sign-in page, not a problem+json body:
 * these are the routes a browser navigates to.
 */
function signInFirst(): MiddlewareHandler<AppEnv> {
  const viewer = authorize("viewer");
  return async (c, next) => {
    if (!getCookie(c, SESSION_COOKIE) && !c.req.header("Authorization")) {
      return c.redirect(loginPath(workspaceParam(c)), 303);
    }
    try {
      await viewer(c, next);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        deleteCookie(c, SESSION_COOKIE, { path: `/w/${workspaceParam(c)}` });
        return c.redirect(loginPath(workspaceParam(c)), 303);
      }
      throw error;
    }
  };
}

export const dashboardRoutes = new Hono<AppEnv>()
  .get("/", (c) => c.redirect("/w/demo"))
  .get("/w/:workspace/login", (c) =>
    c.html(renderPage(LoginPage({ workspace: workspaceParam(c) }))),
  )
  .post("/w/:workspace/login", async (c) => {
    const workspace = workspaceParam(c);
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin)
      throw new ApiError(403, "csrf_rejected", "Cross-site sign-in refused.");
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token.trim() : "";
    const failed = () =>
      c.html(
        renderPage(LoginPage({ workspace, error: "That token is not valid for this workspace." })),
        401,
      );
    if (workspaceOfSecret(token) !== workspace) return failed();
    const opened = await c.env.WORKSPACE.getByName(workspace).openSession(token);
    if (!opened.ok) return failed();
    const secure = new URL(c.req.url).protocol === "https:";
    c.header(
      "Set-Cookie",
      `${SESSION_COOKIE}=${opened.value.session}; Path=/w/${workspace}; HttpOnly; SameSite=Lax; Expires=${new Date(opened.value.expiresAt).toUTCString()}${secure ? "; Secure" : ""}`,
    );
    return c.redirect(`/w/${workspace}`, 303);
  })
  // A plain form post, so signing out works without JavaScript; `authorize` applies the
  // same-origin (CSRF) check to cookie-authenticated writes.
  .post("/w/:workspace/logout", authorize("viewer"), async (c) => {
    const workspace = c.var.workspace.id;
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await c.var.workspace.stub.closeSession(c.var.principal, session);
    deleteCookie(c, SESSION_COOKIE, { path: `/w/${workspace}` });
    return c.redirect(loginPath(workspace), 303);
  })
  .get("/w/:workspace", signInFirst(), async (c) => {
    const snapshot = await c.var.workspace.stub.snapshot();
    c.header("Cache-Control", "no-store");
    return c.html(
      renderPage(DashboardPage({ snapshot, principal: c.var.principal, now: Date.now() })),
    );
  });
