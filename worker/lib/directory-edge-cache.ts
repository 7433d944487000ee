import { defaultCache, type ViewCache } from "./public-status-cache";

/**
 * The Cache API tier in front of the Directory object: what one isolate learned about a slug,
 * shared with every isolate of the same edge location. An isolate starts with an empty memory,
 * so without this tier each new isolate asked the one Directory object (far away for most
 * locations) once per slug; a stranger's made-up slugs cost the same trip in every isolate.
 * A known workspace is kept 10 minutes (workspaces are never deleted), an unknown slug 30 s;
 * the isolate that creates a workspace writes the positive answer over any negative one here,
 * so it is reachable at once in its location (elsewhere within the 30 s an unknown slug is kept).
 */
export const DIRECTORY_EDGE_POSITIVE_SECONDS = 600;
export const DIRECTORY_EDGE_NEGATIVE_SECONDS = 30;

/** A URL per slug on a host of our own naming: the cache key, never fetched. */
const keyOf = (slug: string) => `https://directory.opsdeck.internal/${encodeURIComponent(slug)}`;

/** The Cache API is absent in some runtimes (and may fail): then this tier is skipped. */
function edgeCache(): ViewCache | undefined {
  return typeof caches === "undefined" ? undefined : defaultCache();
}

/**
 * The location's answer for `slug`: true or false, or undefined when it has none.
 * @example await edgeLookup("demo") // true | false | undefined
 */
export async function edgeLookup(slug: string): Promise<boolean | undefined> {
  const cache = edgeCache();
  if (!cache) return undefined;
  try {
    const hit = await cache.match(keyOf(slug));
    if (!hit) return undefined;
    const text = await hit.text();
    return text === "1" ? true : text === "0" ? false : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records the directory's answer for `slug` in this location (best effort).
 * @example await edgeRemember("demo", true)
 */
export async function edgeRemember(slug: string, exists: boolean): Promise<void> {
  const cache = edgeCache();
  if (!cache) return;
  const seconds = exists ? DIRECTORY_EDGE_POSITIVE_SECONDS : DIRECTORY_EDGE_NEGATIVE_SECONDS;
  try {
    await cache.put(
      keyOf(slug),
      new Response(exists ? "1" : "0", { headers: { "Cache-Control": `max-age=${seconds}` } }),
    );
  } catch {
    // A cache that refuses only costs the next isolate a directory call.
  }
}
