import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { WorkspaceSlug } from "../../schema";
import { statusBadgeSvg } from "../../web/components/status-badge";
import {
  PublicStatusNotFound,
  PublicStatusPage,
  PublicStatusUnavailable,
} from "../../web/pages/status-public";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { ApiError, problem } from "../errors";
import {
  FRESH_SECONDS,
  STALE_SECONDS,
  cacheKey,
  defaultCache,
  readPublicStatus,
  type PublicRead,
} from "../lib/public-status-cache";
import { router } from "../openapi";
import { clientIp, findWorkspace } from "../lib/workspace-directory";

type Format = "page" | "json" | "badge";

const CACHE_OK = `public, max-age=${FRESH_SECONDS}, s-maxage=${FRESH_SECONDS}, stale-while-revalidate=${STALE_SECONDS}`;
/** A 404 is cached as briefly as a page is fresh, and never served stale. */
const CACHE_MISSING = `public, max-age=${FRESH_SECONDS}, s-maxage=${FRESH_SECONDS}`;

/**
 * Public pages load nothing but the stylesheet: no script at all (stricter than the app's CSP).
 * They may be framed anywhere, as the brief wants them embedded; a page with no form and no
 * action has nothing to clickjack.
 */
const PUBLIC_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

/**
 * Registered in app.ts before `secureHeaders`, so it runs after it on the way out and can
 * loosen the two headers that would stop embedding: `Cross-Origin-Resource-Policy:
 * same-origin` blocks a badge `<img>` on another site, and `X-Frame-Options` an iframe.
 * Everything served here is public and anonymous, so any origin may read it.
 */
export const publicStatusHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.res.headers.set("Content-Security-Policy", PUBLIC_CSP);
  c.res.headers.set("Cross-Origin-Resource-Policy", "cross-origin");
  c.res.headers.set("Access-Control-Allow-Origin", "*");
  c.res.headers.delete("X-Frame-Options");
});

/** The slug, or undefined for anything that is not one: such paths never reach a cache or object. */
function slugOf(raw: string): string | undefined {
  const parsed = WorkspaceSlug.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

async function read(c: Context<AppEnv>, slug: string): Promise<PublicRead> {
  // Cloudflare sets it on every request; local dev and tests share one "unknown" bucket.
  const client = clientIp(c.req);
  return readPublicStatus(cacheKey(new URL(c.req.url).origin, slug), {
    cache: defaultCache(),
    // A slug the directory does not know reads as "no public page", exactly as a workspace
    // that published none, and through the same cache, so the two answers are identical.
    load: async () => (await findWorkspace(c.env, slug, client))?.publicStatus(),
    client,
    now: Date.now(),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  });
}

function respond(c: Context<AppEnv>, slug: string, format: Format, result: PublicRead): Response {
  switch (result.kind) {
    case "found": {
      const now = Date.now();
      const headers = {
        "Cache-Control": CACHE_OK,
        // How old the answer already is, so a cache in front keeps it only for what is left.
        Age: String(Math.max(0, Math.floor((now - result.fetchedAt) / 1000))),
        "Opsdeck-Cache": result.cache,
      };
      if (format === "json") return c.json(result.view, 200, headers);
      if (format === "badge")
        return c.body(statusBadgeSvg(result.view.title, result.view.state), 200, {
          ...headers,
          "Content-Type": "image/svg+xml; charset=utf-8",
        });
      return c.html(renderPage(PublicStatusPage({ slug, view: result.view, now })), 200, headers);
    }
    case "absent":
      return notFound(c, format, { "Cache-Control": CACHE_MISSING, "Opsdeck-Cache": result.cache });
    case "limited":
      return refuse(
        c,
        format,
        429,
        "rate_limited",
        result.retryAfterSeconds,
        `Too many requests for status pages that are not cached: retry in ${result.retryAfterSeconds} s.`,
      );
    case "unavailable":
      return refuse(
        c,
        format,
        503,
        "unavailable",
        5,
        "The status could not be read just now: retry in a few seconds.",
      );
  }
}

/** One answer for "malformed", "unknown" and "not published", so none can be told apart. */
function notFound(c: Context<AppEnv>, format: Format, headers: Record<string, string>): Response {
  const detail = "There is no public status page at this address.";
  if (format === "json")
    return problem(c, new ApiError(404, "not_found", detail, undefined, headers));
  if (format === "badge")
    return c.body(statusBadgeSvg("status", "missing"), 404, {
      ...headers,
      "Content-Type": "image/svg+xml; charset=utf-8",
    });
  return c.html(renderPage(PublicStatusNotFound()), 404, headers);
}

function refuse(
  c: Context<AppEnv>,
  format: Format,
  status: 429 | 503,
  code: string,
  retryAfterSeconds: number,
  detail: string,
): Response {
  const headers = { "Retry-After": String(retryAfterSeconds), "Cache-Control": "no-store" };
  if (format === "json") return problem(c, new ApiError(status, code, detail, undefined, headers));
  if (format === "badge") return c.text(detail, status, headers);
  return c.html(renderPage(PublicStatusUnavailable({ message: detail })), status, headers);
}

const MALFORMED = { "Cache-Control": CACHE_MISSING };

/**
 * Anonymous, read-only: `/status/<workspace>` (HTML), `/status/<workspace>.json` and
 * `/status/<workspace>/badge.svg`. Every read goes through the cache in
 * lib/public-status-cache.ts; the workspace object is asked at most about twice a minute per
 * Cloudflare location, however many people watch.
 */
export const publicStatusRoutes = router()
  .get("/status/:name", async (c) => {
    const name = c.req.param("name");
    const format: Format = name.endsWith(".json") ? "json" : "page";
    const slug = slugOf(format === "json" ? name.slice(0, -".json".length) : name);
    if (!slug) return notFound(c, format, MALFORMED);
    return respond(c, slug, format, await read(c, slug));
  })
  .get("/status/:slug/badge.svg", async (c) => {
    const slug = slugOf(c.req.param("slug"));
    if (!slug) return notFound(c, "badge", MALFORMED);
    return respond(c, slug, "badge", await read(c, slug));
  });
