import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { logSafe } from "../../lib/log-safe";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { originAllowed } from "../lib/allowed-origins-cache";
import { clientIp, findWorkspace } from "../lib/workspace-directory";
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from "./idempotency";

export const CORS_ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
export const CORS_ALLOW_HEADERS = `Authorization, Content-Type, ${IDEMPOTENCY_HEADER}`;
export const CORS_EXPOSE_HEADERS = `Retry-After, X-Request-Id, ${REPLAYED_HEADER}, WWW-Authenticate`;
/** Browsers keep a preflight answer this long (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 600;

/** The request's `Origin` when it is another origin than ours (`null` included). */
export function foreignOrigin(c: Context<AppEnv>): string | undefined {
  const origin = c.req.header("Origin");
  return origin !== undefined && origin !== new URL(c.req.url).origin ? origin : undefined;
}

/**
 * Whether the workspace in the path lists `origin` (api/allowed-origins): from this isolate's
 * short cache, else one `getAllowedOrigins()` call. An unknown workspace is simply "no".
 */
export function workspaceAllows(c: Context<AppEnv>, origin: string): Promise<boolean> {
  const load = async (id: string): Promise<readonly string[]> =>
    (await (await findWorkspace(c.env, id, clientIp(c.req)))?.getAllowedOrigins()) ?? [];
  return originAllowed(c.req.param("workspace"), origin, load, Date.now());
}

/**
 * CORS for `/w/:workspace/api/*`, for the origins the workspace's admin listed. Bearer tokens
 * only: `Access-Control-Allow-Credentials` is never sent, and `authorize` refuses a cookie
 * that arrives with a foreign `Origin`. A preflight from any other origin, or for a workspace
 * that does not exist, gets the same 403 without CORS headers; other requests from such an
 * origin are handled as before, and the browser keeps their responses from the page. Only
 * requests with an `Authorization` header get CORS headers (errors included).
 */
export const crossOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = foreignOrigin(c);
  if (origin === undefined) {
    await next();
    c.res.headers.append("Vary", "Origin");
    return;
  }
  if (c.req.method === "OPTIONS" && c.req.header("Access-Control-Request-Method")) {
    if (!(await workspaceAllows(c, origin)))
      throw new ApiError(
        403,
        "origin_rejected",
        "This origin may not call this workspace's API: an admin can list it in PUT api/allowed-origins.",
      );
    return c.body(null, 204, {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
      "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
      "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
      Vary: "Origin",
    });
  }
  // Only a bearer call is served cross-origin, so only one is worth a lookup (a request with
  // no credential still never reaches an object). Looked up while the request runs; a failed
  // lookup only leaves the CORS headers off.
  const allowed = c.req.header("Authorization")
    ? workspaceAllows(c, origin).catch((error: unknown) => {
        console.warn("cors: allowed-origins read failed", logSafe(error));
        return false;
      })
    : undefined;
  await next();
  c.res.headers.append("Vary", "Origin");
  if (!allowed || !(await allowed)) return;
  c.res.headers.set("Access-Control-Allow-Origin", origin);
  c.res.headers.set("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
});
