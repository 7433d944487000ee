import { accessOnly } from "../lib/access-sign-in";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import type { VNode } from "preact";
import { render } from "preact-render-to-string";
import { TimeRange, type Failure } from "../../schema";
import type { Theme } from "../../web/components/topbar";
import { DetailPage, ProblemView } from "../../web/pages/detail";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { SESSION_COOKIE, authorize, workspaceParam } from "../middleware/auth";

export const THEME_COOKIE = "opsdeck_theme";
export const SEEN_COOKIE = "opsdeck_seen";
export const CHARTS_COOKIE = "opsdeck_charts";
/** The client asks for a page's content only (to show it in a dialog) with this header. */
export const FRAGMENT_HEADER = "X-Opsdeck-Fragment";

export const loginPath = (workspace: string) => `/w/${workspace}/login`;

/**
 * A person with a missing or expired session gets the sign-in page, not a problem+json body:
 * these are the routes a browser navigates to.
 */
export function signInFirst(): MiddlewareHandler<AppEnv> {
  const viewer = authorize("viewer");
  return async (c, next) => {
    if (!getCookie(c, SESSION_COOKIE) && !c.req.header("Authorization") && !accessOnly(c, false)) {
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

export function themeOf(c: Context<AppEnv>): Theme | undefined {
  const value = getCookie(c, THEME_COOKIE);
  return value === "dark" || value === "light" ? value : undefined;
}

/** The `?range=` of a page; anything else is the default hour. */
export function rangeOf(c: Context<AppEnv>): TimeRange {
  const parsed = TimeRange.safeParse(c.req.query("range"));
  return parsed.success ? parsed.data : "1h";
}

/** When the person last marked their notifications read (ms), from the cookie. */
export function seenAtOf(c: Context<AppEnv>): number | undefined {
  const value = Number(getCookie(c, SEEN_COOKIE));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

const isFragment = (c: Context<AppEnv>) => c.req.header(FRAGMENT_HEADER) === "1";

/**
 * A detail page: the whole document for a navigation, only its content for the client's
 * dialog. Never cached: it shows live state and who may act on it.
 */
export function sendDetail(
  c: Context<AppEnv>,
  title: string,
  body: VNode,
  status = 200,
  scripts?: string[],
) {
  c.header("Cache-Control", "no-store");
  c.header("Vary", FRAGMENT_HEADER);
  if (isFragment(c)) return c.html(render(body), status as 200);
  const page = DetailPage({
    title,
    workspace: c.var.workspace.id,
    principal: c.var.principal,
    theme: themeOf(c),
    scripts,
    children: body,
  });
  return c.html(renderPage(page), status as 200);
}

/** An expected failure (unknown id, upstream down) as a page that says what happened. */
export function sendProblem(c: Context<AppEnv>, failure: Pick<Failure, "status" | "detail">) {
  return sendDetail(
    c,
    "Not available",
    ProblemView({ status: failure.status, detail: failure.detail, workspace: c.var.workspace.id }),
    failure.status,
  );
}

/** Form posts from our own pages only (the same check the API applies to cookie writes). */
export function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("Origin");
  if (origin && origin !== new URL(c.req.url).origin)
    throw new ApiError(403, "csrf_rejected", "Cross-site form post refused.");
}

/** A path on this site to return to after a form post; anything else goes to `fallback`. */
export function safeBack(value: unknown, fallback: string): string {
  return typeof value === "string" && /^\/w\/[a-z0-9-]+([/?#][^\s\\]*)?$/.test(value)
    ? value
    : fallback;
}
