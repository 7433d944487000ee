import { WorkspaceSlug } from "../../schema";
import { readWithRetry } from "./do-retry";

/** How long this isolate trusts a workspace's list; a change made elsewhere shows within it. */
export const ORIGINS_TTL_MS = 30_000;
/** Workspaces whose lists one isolate keeps at most; the oldest entry leaves first. */
export const MAX_CACHED_WORKSPACES = 1000;

type Entry = { expiresAt: number; origins: Promise<readonly string[]> };

/**
 * Per isolate: workspace id → its allowed origins (the promise, so concurrent preflights of
 * one workspace share one read). Bounded in time and size, so a flood of foreign-Origin
 * requests costs each workspace object at most one `getAllowedOrigins()` per isolate per
 * 30 s, whatever the rate, and memory stays flat however many slugs are tried. An unknown
 * workspace answers `[]` and is cached like any other.
 */
const entries = new Map<string, Entry>();

/**
 * True when `origin` is on the workspace's list. A slug that cannot name a workspace is
 * answered without any object; an unknown workspace reads as an empty list (no oracle).
 * @example if (await originAllowed("demo", origin, () => stub.getAllowedOrigins(), Date.now())) …
 */
export async function originAllowed(
  workspace: string | undefined,
  origin: string,
  load: (id: string) => Promise<readonly string[]>,
  now: number,
): Promise<boolean> {
  const id = WorkspaceSlug.safeParse(workspace);
  if (!id.success) return false;
  return (await allowedOrigins(id.data, load, now)).includes(origin);
}

function allowedOrigins(
  id: string,
  load: (id: string) => Promise<readonly string[]>,
  now: number,
): Promise<readonly string[]> {
  const cached = entries.get(id);
  if (cached && cached.expiresAt > now) return cached.origins;
  entries.delete(id);
  if (entries.size >= MAX_CACHED_WORKSPACES) {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
  const origins = readWithRetry(() => load(id));
  const entry = { expiresAt: now + ORIGINS_TTL_MS, origins };
  entries.set(id, entry);
  // A failed read is not remembered: the next request asks again.
  origins.catch(() => {
    if (entries.get(id) === entry) entries.delete(id);
  });
  return origins;
}

/** Drops this isolate's copy after an admin saved a new list here (others expire in 30 s). */
export function forgetAllowedOrigins(id: string): void {
  entries.delete(id);
}

/** Entries held now (tests check the bound). */
export function cachedWorkspaces(): number {
  return entries.size;
}
