import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { SSO_FLOW_TTL_MS } from "../../schema/sso";
import { LoginPage } from "../../web/pages/login";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { ApiError, unwrap } from "../errors";
import { chargeLoginAttempt, refundLoginAttempt } from "../lib/login-limit";
import { presentedSession, sessionCookieOptions, setSessionCookie } from "../lib/session-cookie";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { workspaceParam } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams } from "./params";

/** Binds a started sign-in to the browser that started it (HttpOnly, 10 minutes, this path only). */
export const SSO_FLOW_COOKIE = "opsdeck_sso_flow";

const flowPath = (workspace: string) => `/w/${workspace}/auth/oidc`;

/** Where the identity provider sends the browser back; register it with the provider. */
export function ssoRedirectUri(c: Context<AppEnv>, workspace: string): string {
  const base = c.env.PUBLIC_URL || new URL(c.req.url).origin;
  return `${base.replace(/\/+$/, "")}${flowPath(workspace)}/callback`;
}

function randomBrowserSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * A failure as the caller can read it: a browser navigation (Accept: text/html) gets the
 * sign-in page naming the reason with the same status; anything else problem+json.
 */
async function failure(c: Context<AppEnv>, workspace: string, error: unknown): Promise<Response> {
  if (!(error instanceof ApiError) || !(c.req.header("Accept") ?? "").includes("text/html"))
    throw error;
  const page = LoginPage({ workspace, error: `${error.detail} (${error.code})` });
  return c.html(renderPage(page), error.status as 400, error.headers);
}

/** Runs a step; a failure answers as `failure` does. */
async function guarded(
  c: Context<AppEnv>,
  step: (workspace: string) => Promise<Response>,
): Promise<Response> {
  const workspace = workspaceParam(c);
  try {
    return await step(workspace);
  } catch (error) {
    return failure(c, workspace, error);
  }
}

const unknownWorkspace = () => new ApiError(404, "not_found", "No such workspace.");

const redirects = {
  302: { description: "To the identity provider (start) or to returnTo, signed in (callback)" },
  ...problemResponses,
  429: { description: "Too many sign-in attempts (Retry-After)" },
  502: { description: "The identity provider misbehaved" },
  503: { description: "sso_flows_full: 1,000 sign-ins in progress (Retry-After)" },
} as const;

/** Browser sign-in through the workspace's OpenID provider (authorization code, PKCE, nonce). */
export const ssoAuthRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/oidc/start",
      summary:
        "Start single sign-on: redirects to the identity provider; state, nonce and PKCE verifier stay on the server, bound to this browser by an HttpOnly flow cookie (10 minutes)",
      request: {
        params: WorkspaceParams,
        query: z.object({ returnTo: z.string().max(2000).optional() }),
      },
      responses: redirects,
    }),
    (c) =>
      guarded(c, async (workspace) => {
        const address = clientIp(c.req);
        chargeLoginAttempt(address);
        const stub = await workspaceStub(c.env, workspace, address, unknownWorkspace);
        const browser = randomBrowserSecret();
        const started = unwrap(
          await stub.ssoStart({
            returnTo: c.req.valid("query").returnTo,
            redirectUri: ssoRedirectUri(c, workspace),
            browser,
            address,
          }),
        );
        // Started: only failures use up the address's allowance here (the object keeps its
        // own charge until the callback succeeds, so starts alone cannot fill the flow store).
        refundLoginAttempt(address);
        setCookie(c, SSO_FLOW_COOKIE, browser, {
          ...sessionCookieOptions(c, workspace),
          path: flowPath(workspace),
          maxAge: SSO_FLOW_TTL_MS / 1000,
        });
        c.header("Cache-Control", "no-store");
        return c.redirect(started.url, 302);
      }),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/oidc/callback",
      summary:
        "Single sign-on callback: verifies the provider's answer (state taken once and only with this browser's flow cookie), maps the e-mail to a member, starts a session and redirects to returnTo",
      description:
        "Rate limited like every sign-in. Refusals name their code: sso_state_unknown (unknown, used or expired), sso_state_mismatch (another browser's flow), sso_email_domain, sso_member_unknown (not a member and autoProvision off), member_disabled, and the provider checks' codes. Nothing is stored on failure.",
      request: { params: WorkspaceParams },
      responses: redirects,
    }),
    (c) =>
      guarded(c, async (workspace) => {
        const address = clientIp(c.req);
        chargeLoginAttempt(address);
        const browser = getCookie(c, SSO_FLOW_COOKIE) ?? "";
        deleteCookie(c, SSO_FLOW_COOKIE, {
          ...sessionCookieOptions(c, workspace),
          path: flowPath(workspace),
        });
        const stub = await workspaceStub(c.env, workspace, address, unknownWorkspace);
        const opened = unwrap(
          await stub.ssoComplete({
            callbackUrl: c.req.url,
            redirectUri: ssoRedirectUri(c, workspace),
            browser,
            client: {
              address,
              userAgent: c.req.header("User-Agent"),
              replaces: presentedSession(c),
            },
          }),
        );
        refundLoginAttempt(address);
        setSessionCookie(c, workspace, opened.session, opened.expiresAt);
        c.header("Cache-Control", "no-store");
        return c.redirect(opened.returnTo ?? `/w/${workspace}`, 302);
      }),
  );
