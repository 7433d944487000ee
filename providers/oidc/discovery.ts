import * as oauth from "oauth4webapi";
import { fail, ok, type Outcome } from "../../schema/problem";
import { checkOutboundUrl } from "../../lib/url-policy";
import { UpstreamError } from "../http";
import type { OidcCache } from "./cache";
import { RefusedUrlError, type FetchLike } from "./outbound";

/**
 * Issuer metadata (OpenID Connect Discovery 1.0), read once per issuer and hour per isolate.
 * oauth4webapi fetches `<issuer>/.well-known/openid-configuration` and checks that the document
 * names the same issuer; here every endpoint the flow will use must also pass the URL policy,
 * so a provider cannot point the Worker at an internal address.
 */

/** Which fields of the metadata the flow calls or sends the browser to. */
const ENDPOINTS = ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const;

export type DiscoveryContext = {
  cache: OidcCache;
  fetch: FetchLike;
  allowLoopback: boolean;
  now: number;
};

/** oauth4webapi refuses `http:` unless told; only loopback (already policy-checked) is let in. */
export function insecureAllowed(allowLoopback: boolean): { [oauth.allowInsecureRequests]?: true } {
  return allowLoopback ? { [oauth.allowInsecureRequests]: true } : {};
}

/**
 * The issuer's metadata, from the cache when fresh.
 * @example await discover("https://accounts.example.com", ctx) // ok({ issuer, token_endpoint, … })
 */
export async function discover(
  issuer: string,
  ctx: DiscoveryContext,
): Promise<Outcome<oauth.AuthorizationServer>> {
  const verdict = checkOutboundUrl(issuer, { allowLoopback: ctx.allowLoopback });
  if (!verdict.ok)
    return fail(400, "url_not_allowed", `The issuer URL is refused: ${verdict.reason}.`, {
      field: "issuer",
    });
  const scope = `${ctx.allowLoopback ? "loopback" : "public"} ${issuer}`;
  const cached = ctx.cache.discovery(scope, ctx.now);
  if (cached) return ok(cached);
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(verdict.url, {
      algorithm: "oidc",
      [oauth.customFetch]: ctx.fetch,
      ...insecureAllowed(ctx.allowLoopback),
    });
    as = await oauth.processDiscoveryResponse(verdict.url, response);
  } catch (error) {
    return providerFailure(error, "read the issuer's metadata");
  }
  for (const field of ENDPOINTS) {
    const value = as[field];
    if (typeof value !== "string")
      return fail(502, "sso_issuer_invalid", `The issuer's metadata has no ${field}.`);
    const endpoint = checkOutboundUrl(value, { allowLoopback: ctx.allowLoopback });
    if (!endpoint.ok)
      return fail(
        502,
        "sso_issuer_invalid",
        `The issuer's ${field} is refused by the outbound URL policy: ${endpoint.reason}.`,
      );
  }
  ctx.cache.rememberDiscovery(scope, as, ctx.now);
  return ok(as);
}

/**
 * A failure to talk to the provider, in words that name the step and never a secret: the URL
 * policy's reason, "unreachable", "no answer within 5000 ms", or oauth4webapi's check message.
 */
export function providerFailure(error: unknown, step: string) {
  if (error instanceof RefusedUrlError)
    return fail(502, "sso_issuer_invalid", `Could not ${step}: ${error.reason}.`);
  if (error instanceof UpstreamError)
    return fail(502, "sso_issuer_unreachable", `Could not ${step}: ${error.message}.`, {
      retryAfterSeconds: 30,
    });
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return fail(502, "sso_issuer_unreachable", `Could not ${step}: no answer in time.`, {
      retryAfterSeconds: 30,
    });
  if (error instanceof oauth.OperationProcessingError)
    return fail(502, "sso_issuer_invalid", `Could not ${step}: ${error.message}.`);
  throw error;
}
