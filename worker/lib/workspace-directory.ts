import { DIRECTORY_NAME } from "../../durable-objects/directory";
import { TokenBuckets } from "../../lib/token-bucket";
import { logSafe } from "../../lib/log-safe";
import type { WorkspaceStub } from "../env";
import { ApiError } from "../errors";
import { edgeLookup, edgeRemember } from "./directory-edge-cache";

/** A workspace that exists stays known this long in an isolate (workspaces are never deleted). */
export const DIRECTORY_POSITIVE_TTL_MS = 10 * 60_000;
/** An unknown slug is remembered this briefly, so a workspace created elsewhere shows up soon. */
export const DIRECTORY_NEGATIVE_TTL_MS = 30_000;
/** Entries per isolate; negatives are kept apart so a flood of made-up slugs cannot evict real ones. */
const MAX_POSITIVE = 10_000;
const MAX_NEGATIVE = 5_000;
/**
 * Directory lookups that miss this isolate's memory, per client IP: 30 at once, then 1 a
 * second. A legitimate client names a handful of workspaces, each then cached; only a caller
 * trying many made-up slugs runs out, and it gets the same 429 for real and unknown ones.
 */
const lookupBuckets = new TokenBuckets(30, 1, 10_000);

const positive = new Map<string, number>();
const negative = new Map<string, number>();
/** One directory call per slug at a time in this isolate, however many requests wait on it. */
const inflight = new Map<string, Promise<boolean>>();

function remember(map: Map<string, number>, max: number, slug: string, until: number): void {
  map.delete(slug);
  // Maps iterate in insertion order: the first key is the oldest entry.
  if (map.size >= max) map.delete(map.keys().next().value ?? "");
  map.set(slug, until);
}

function cached(slug: string, now: number): boolean | undefined {
  if ((positive.get(slug) ?? 0) > now) return true;
  if ((negative.get(slug) ?? 0) > now) return false;
  return undefined;
}

/** Records a workspace just created through this isolate, so its first requests need no lookup. */
export function rememberWorkspace(slug: string, now = Date.now()): void {
  negative.delete(slug);
  remember(positive, MAX_POSITIVE, slug, now + DIRECTORY_POSITIVE_TTL_MS);
}

/** Test hook: forget everything this isolate learned. */
export function forgetDirectoryCache(): void {
  positive.clear();
  negative.clear();
}

/** Who is asking, for the lookup budget: Cloudflare sets the header on every request. */
export function clientIp(req: { header(name: string): string | undefined }): string {
  return req.header("CF-Connecting-IP") ?? "unknown";
}

/**
 * Whether `slug` names a workspace that was created (the Directory object), from this
 * isolate's memory when it can. The slug must already be a valid `WorkspaceSlug`.
 * @example if (!(await workspaceExists(env, "demo", ip))) throw invalidCredential()
 */
export async function workspaceExists(
  env: Env,
  slug: string,
  client: string,
  now = Date.now(),
): Promise<boolean> {
  const hit = cached(slug, now);
  if (hit !== undefined) return hit;
  const pending = inflight.get(slug);
  if (pending) return pending;
  const charge = lookupBuckets.take(client, now);
  if (!charge.ok)
    throw new ApiError(
      429,
      "rate_limited",
      `Too many requests for workspaces not seen recently: retry in ${charge.retryAfterSeconds} s.`,
      undefined,
      { "Retry-After": String(charge.retryAfterSeconds) },
    );
  const lookup = (async () => {
    try {
      // This location's shared answer first (directory-edge-cache.ts), then the directory.
      let exists = await edgeLookup(slug);
      if (exists === undefined) {
        exists = await env.DIRECTORY.getByName(DIRECTORY_NAME).has(slug);
        await edgeRemember(slug, exists);
      }
      if (exists) rememberWorkspace(slug, Date.now());
      else remember(negative, MAX_NEGATIVE, slug, Date.now() + DIRECTORY_NEGATIVE_TTL_MS);
      return exists;
    } finally {
      inflight.delete(slug);
    }
  })();
  inflight.set(slug, lookup);
  return lookup;
}

/**
 * The one way to reach a workspace object for an untrusted request (test/node checks that no
 * other module in worker/ names one): the stub once the directory knows the slug, else
 * undefined, and no object is ever named, so a stranger's slug creates none. Throws only an
 * `ApiError`: 429 when the caller looks up too many unseen slugs, 503 when the directory fails.
 * @example const stub = await findWorkspace(c.env, slug, clientIp(c.req))
 */
export async function findWorkspace(
  env: Env,
  slug: string,
  client: string,
): Promise<WorkspaceStub | undefined> {
  let exists: boolean;
  try {
    exists = await workspaceExists(env, slug, client);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    // The directory itself failing is transient: 503, never a 500 and never "unknown".
    console.error("directory: lookup failed", logSafe(error));
    throw new ApiError(
      503,
      "unavailable",
      "The workspace could not be reached just now; retry.",
      undefined,
      { "Retry-After": "5" },
    );
  }
  return exists ? env.WORKSPACE.getByName(slug) : undefined;
}

/**
 * `findWorkspace`, throwing `unknown()` for a slug the directory does not know. Each caller
 * makes that the very answer a wrong credential gets on a real workspace, so unknown and
 * unauthorised cannot be told apart.
 * @example const stub = await workspaceStub(c.env, slug, clientIp(c.req), invalidCredential)
 */
export async function workspaceStub(
  env: Env,
  slug: string,
  client: string,
  unknown: () => Error | Promise<Error>,
): Promise<WorkspaceStub> {
  const stub = await findWorkspace(env, slug, client);
  if (!stub) throw await unknown();
  return stub;
}
