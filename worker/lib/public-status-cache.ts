import { z } from "zod";
import { TokenBuckets } from "../../lib/token-bucket";
import { PublicStatus } from "../../schema";
import { logSafe } from "../../lib/log-safe";

/** How long a view is served as fresh; browsers and any cache in front are told the same. */
export const FRESH_SECONDS = 30;
/** After that, how long it is still served while one background read replaces it. */
export const STALE_SECONDS = 60;

/** The part of the Workers Cache API this uses; tests can hand in another. */
export interface ViewCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/**
 * `caches.default`, the location's cache (purge-by-URL in the dashboard reaches it too).
 * workers-types declares `default`, but Preact's JSX types pull in the DOM lib, whose
 * `CacheStorage` lacks it and wins the merge; hence the cast.
 */
export function defaultCache(): ViewCache {
  return (caches as unknown as { default: ViewCache }).default;
}

/** What one read of a public status page found, and where it came from. */
export type PublicRead =
  | { kind: "found"; view: PublicStatus; fetchedAt: number; cache: "hit" | "stale" | "miss" }
  | { kind: "absent"; cache: "hit" | "miss" }
  | { kind: "limited"; retryAfterSeconds: number }
  | { kind: "unavailable" };

export type PublicReadDeps = {
  cache: ViewCache;
  /** The workspace object's `publicStatus()`; called only on a miss or a stale entry. */
  load: () => Promise<PublicStatus | undefined>;
  /** Who is asking (the client IP), for the miss limit. */
  client: string;
  now: number;
  waitUntil: (promise: Promise<unknown>) => void;
};

/** One stored entry per workspace: the view, or `null` for "no public page here". */
const Entry = z.object({ fetchedAt: z.number(), view: PublicStatus.nullable() });
type Entry = z.infer<typeof Entry>;

/**
 * Cache misses per client IP: 20 at once, then one every 2 s.
 *
 * Why a per-isolate bucket is enough here: a cache hit costs the workspace nothing, so only
 * misses need a limit, and a miss can only come from a slug nobody has asked for in the last
 * 30 s at this location (an unknown one, mostly: probing). Each isolate counting on its own
 * lets a flood spread over many isolates through N times the limit, but every one of those
 * misses is then cached, so what reaches the objects stays bounded by the number of distinct
 * slugs tried, not by the request rate. Exact counting would need a shared counter (an object
 * or KV) on every miss: exactly the load this is avoiding.
 */
const missBuckets = new TokenBuckets(20, 0.5, 10_000);

/** Slugs whose stale entry is being refreshed in this isolate, and since when (ms). */
const refreshing = new Map<string, number>();
/** A refresh that has not finished after this long is assumed lost, so another may start. */
const REFRESH_TIMEOUT_MS = 10_000;

/**
 * The cache key of a workspace's public view. It uses the Worker's own hostname (Cloudflare
 * advises against foreign hostnames in Cache API keys) and a fixed path without the query, so
 * `?x=<random>` cannot turn every request into a miss. Page, JSON and badge share this one
 * entry: the page is rendered from the view on each request (a few hundred microseconds), so
 * its "updated N ago" stays true, and the object is asked once for all three formats.
 */
export function cacheKey(origin: string, slug: string): string {
  return `${origin}/status/${slug}.json`;
}

/**
 * Reads a workspace's public status through the cache: fresh entries are served as they are;
 * stale ones are served while one background read refreshes them (also when the object is
 * failing: the page stays up); a miss reads the object once, within the caller's miss budget,
 * and stores the answer, a 404 included, so probing unknown slugs cannot hammer objects.
 * @example const read = await readPublicStatus(cacheKey(origin, "demo"), { cache: caches.default, load: () => stub.publicStatus(), client: ip, now: Date.now(), waitUntil })
 */
export async function readPublicStatus(key: string, deps: PublicReadDeps): Promise<PublicRead> {
  const entry = await lookup(deps.cache, key);
  const age = entry ? deps.now - entry.fetchedAt : Infinity;
  if (entry && age >= 0 && age < FRESH_SECONDS * 1000) {
    return entry.view
      ? { kind: "found", view: entry.view, fetchedAt: entry.fetchedAt, cache: "hit" }
      : { kind: "absent", cache: "hit" };
  }
  if (entry?.view && age >= 0 && age < (FRESH_SECONDS + STALE_SECONDS) * 1000) {
    refreshInBackground(key, deps);
    return { kind: "found", view: entry.view, fetchedAt: entry.fetchedAt, cache: "stale" };
  }
  const charge = missBuckets.take(deps.client, deps.now);
  if (!charge.ok) return { kind: "limited", retryAfterSeconds: charge.retryAfterSeconds };
  let view: PublicStatus | undefined;
  try {
    view = await fetchView(deps);
  } catch (error) {
    console.warn("public-status: read failed", logSafe(error));
    return { kind: "unavailable" };
  }
  await store(deps.cache, key, { fetchedAt: deps.now, view: view ?? null });
  return view
    ? { kind: "found", view, fetchedAt: deps.now, cache: "miss" }
    : { kind: "absent", cache: "miss" };
}

/** Drops this location's entry, so an admin sees a saved change at once (other locations within 90 s). */
export async function forgetPublicStatus(cache: ViewCache, key: string): Promise<void> {
  try {
    await cache.delete(key);
  } catch (error) {
    console.warn("public-status: purge failed", logSafe(error));
  }
}

/** The object's answer, parsed: anything but the public fields is stripped here as well. */
async function fetchView(deps: PublicReadDeps): Promise<PublicStatus | undefined> {
  const raw = await deps.load();
  return raw === undefined ? undefined : PublicStatus.parse(raw);
}

function refreshInBackground(key: string, deps: PublicReadDeps): void {
  const started = refreshing.get(key);
  if (started !== undefined && deps.now - started < REFRESH_TIMEOUT_MS) return;
  refreshing.set(key, deps.now);
  const refresh = async () => {
    try {
      const view = await fetchView(deps);
      await store(deps.cache, key, { fetchedAt: Date.now(), view: view ?? null });
    } catch (error) {
      // The stale entry stays until it expires: a failing object does not take the page down.
      console.warn("public-status: refresh failed", logSafe(error));
    } finally {
      refreshing.delete(key);
    }
  };
  deps.waitUntil(refresh());
}

async function lookup(cache: ViewCache, key: string): Promise<Entry | undefined> {
  try {
    const response = await cache.match(key);
    if (!response) return undefined;
    // An entry another version wrote in another shape is a miss, not an error.
    const parsed = Entry.safeParse(await response.json());
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    console.warn("public-status: cache read failed", logSafe(error));
    return undefined;
  }
}

/** A page lives fresh + stale; a "no page here" answer only while fresh, so opting in shows soon. */
async function store(cache: ViewCache, key: string, entry: Entry): Promise<void> {
  const ttl = entry.view ? FRESH_SECONDS + STALE_SECONDS : FRESH_SECONDS;
  try {
    await cache.put(
      key,
      new Response(JSON.stringify(entry), {
        headers: { "Content-Type": "application/json", "Cache-Control": `public, max-age=${ttl}` },
      }),
    );
  } catch (error) {
    console.warn("public-status: cache write failed", logSafe(error));
  }
}
