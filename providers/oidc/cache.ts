import { createRemoteJWKSet, customFetch } from "jose";
import type * as oauth from "oauth4webapi";
import type { FetchLike } from "./outbound";

/**
 * What sign-in and Access verification remember between requests, per isolate: issuer
 * metadata and each JWKS with its imported keys. Bounded in entries and age, so a flood of
 * configurations cannot grow it, and the hot path (a token whose key is cached) does no I/O.
 * Nothing here is a secret: metadata and public keys only.
 */

/** Issuers and key sets remembered per isolate; the least recently added goes first. */
export const OIDC_CACHE_MAX_ENTRIES = 64;
/** Issuer metadata is re-read after an hour (providers change endpoints rarely). */
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** Keys are re-read after 10 minutes even when every kid is known (jose's default). */
export const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** After a fetch, an unknown `kid` waits this long before it may cause another one. */
export const JWKS_COOLDOWN_MS = 30 * 1000;

export type RemoteKeys = ReturnType<typeof createRemoteJWKSet>;

export type KeyCacheOptions = {
  maxEntries?: number;
  discoveryTtlMs?: number;
  jwksMaxAgeMs?: number;
  jwksCooldownMs?: number;
};

/** Insertion-ordered map that forgets its oldest entry past `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
  return value;
}

export class OidcCache {
  private readonly metadata = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
  private readonly keySets = new Map<string, RemoteKeys>();
  readonly options: Required<KeyCacheOptions>;

  constructor(options: KeyCacheOptions = {}) {
    this.options = {
      maxEntries: options.maxEntries ?? OIDC_CACHE_MAX_ENTRIES,
      discoveryTtlMs: options.discoveryTtlMs ?? DISCOVERY_TTL_MS,
      jwksMaxAgeMs: options.jwksMaxAgeMs ?? JWKS_MAX_AGE_MS,
      jwksCooldownMs: options.jwksCooldownMs ?? JWKS_COOLDOWN_MS,
    };
  }

  /** Cached metadata for `key` while younger than the TTL. */
  discovery(key: string, now: number): oauth.AuthorizationServer | undefined {
    const hit = this.metadata.get(key);
    return hit && now - hit.at < this.options.discoveryTtlMs ? hit.as : undefined;
  }

  rememberDiscovery(key: string, as: oauth.AuthorizationServer, now: number): void {
    remember(this.metadata, key, { as, at: now }, this.options.maxEntries);
  }

  /**
   * The key set at `jwksUri`, fetched through `fetchImpl` on first use and then only when its
   * keys are older than the max age or a token names an unknown `kid` after the cooldown.
   * `scope` separates configurations that fetch differently (loopback allowed or not).
   */
  keys(jwksUri: string, scope: string, fetchImpl: FetchLike): RemoteKeys {
    const key = `${scope} ${jwksUri}`;
    const hit = this.keySets.get(key);
    if (hit) return hit;
    const set = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: this.options.jwksMaxAgeMs,
      cooldownDuration: this.options.jwksCooldownMs,
      [customFetch]: fetchImpl,
    });
    return remember(this.keySets, key, set, this.options.maxEntries);
  }

  /** How many issuers and key sets are remembered (tests and the bench read it). */
  get size(): { discovery: number; keySets: number } {
    return { discovery: this.metadata.size, keySets: this.keySets.size };
  }
}

/**
 * The isolate's cache. A Worker isolate serves many requests, so sign-ins after the first
 * find the metadata and keys here; a cold isolate fetches them once.
 */
export const sharedOidcCache = new OidcCache();
