import * as oauth from "oauth4webapi";
import { fail, ok, type Outcome } from "../../schema/problem";
import {
  ReturnTo,
  SSO_FLOW_TTL_MS,
  SsoFlowState,
  SsoRuntimeConfig,
  type SsoRuntimeSettings,
  type VerifiedIdentity,
} from "../../schema/sso";
import { sharedOidcCache, type OidcCache } from "./cache";
import { discover } from "./discovery";
import { exchangeCode } from "./exchange";
import { outboundFetch, type FetchLike } from "./outbound";

/**
 * OpenID Connect authorization code flow with PKCE (S256) and a nonce, for one workspace's
 * configuration. Two calls, so wiring them to routes is a few lines:
 *
 * 1. `startSignIn(config)` → the URL to send the browser to, and the flow state to keep
 *    server-side (keyed by its `state`, single use, 10 minutes);
 * 2. `completeSignIn(config, callbackUrl, storedFlow)` → the verified identity, or a typed
 *    failure (`fail(status, code, detail)`, codes in `SsoFailureCode`) ready for `ApiError.from`.
 */

export type FlowOptions = {
  /** The isolate's cache by default; tests pass their own. */
  cache?: OidcCache;
  /** The network under the URL policy (tests wrap it to count or rewrite answers). */
  fetch?: FetchLike;
  /** Epoch ms (tests); `Date.now()` by default. */
  now?: number;
};

/** Scopes asked for: the ID token then carries `email`, `email_verified` and `name`. */
export const SSO_SCOPES = "openid email profile";

type Context = {
  config: SsoRuntimeSettings;
  cache: OidcCache;
  fetch: FetchLike;
  now: number;
};

function context(input: SsoRuntimeConfig, options: FlowOptions): Context {
  const config = SsoRuntimeConfig.parse(input);
  return {
    config,
    cache: options.cache ?? sharedOidcCache,
    fetch: outboundFetch({ allowLoopback: config.allowLoopback, fetch: options.fetch }),
    now: options.now ?? Date.now(),
  };
}

const disabled = () =>
  fail(400, "sso_disabled", "Single sign-on is not enabled for this workspace.");

/**
 * Starts a sign-in: fresh state, nonce and PKCE verifier, and the authorization URL.
 * @example
 * const started = await startSignIn(config, { returnTo: "/w/demo" });
 * if (started.ok) { await flows.put(started.value.flow); return redirect(started.value.url); }
 */
export async function startSignIn(
  input: SsoRuntimeConfig,
  options: FlowOptions & { returnTo?: string } = {},
): Promise<Outcome<{ url: string; flow: SsoFlowState }>> {
  const ctx = context(input, options);
  if (!ctx.config.enabled) return disabled();
  // The browser chooses returnTo (`?returnTo=`): refuse anything but a path on this site.
  if (options.returnTo !== undefined && !ReturnTo.safeParse(options.returnTo).success)
    return fail(
      400,
      "validation_failed",
      "returnTo must be a path on this site, such as /w/demo.",
      {
        field: "returnTo",
      },
    );
  const as = await discover(ctx.config.issuer, { ...ctx, allowLoopback: ctx.config.allowLoopback });
  if (!as.ok) return as;
  const flow = SsoFlowState.parse({
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    createdAt: ctx.now,
    ...(options.returnTo ? { returnTo: options.returnTo } : {}),
  });
  // discover() checked that the endpoint exists and passes the URL policy.
  const url = new URL(as.value.authorization_endpoint ?? "");
  url.searchParams.set("client_id", ctx.config.clientId);
  url.searchParams.set("redirect_uri", ctx.config.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", SSO_SCOPES);
  url.searchParams.set("state", flow.state);
  url.searchParams.set("nonce", flow.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return ok({ url: url.href, flow });
}

/** Same-length-independent comparison, so a guessed state learns nothing from timing. */
function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Checks the stored flow against the callback before anything leaves the Worker: it exists
 * (a second callback with the same state finds none: the store took it), matches, is fresh,
 * and still has its PKCE verifier.
 */
function checkFlow(stored: unknown, params: URLSearchParams, now: number): Outcome<SsoFlowState> {
  const given = params.get("state");
  if (stored === undefined || stored === null)
    return fail(
      400,
      "sso_state_unknown",
      "This sign-in is unknown, finished or expired; start again from the sign-in page.",
    );
  if (typeof stored === "object" && !("codeVerifier" in stored && stored.codeVerifier))
    return fail(
      400,
      "sso_pkce_missing",
      "This sign-in has no PKCE verifier, so its code cannot be redeemed; start again.",
    );
  const flow = SsoFlowState.safeParse(stored);
  if (!flow.success)
    return fail(
      400,
      "sso_state_unknown",
      "This sign-in's stored state is unreadable; start again.",
    );
  if (given === null || !sameText(given, flow.data.state))
    return fail(
      400,
      "sso_state_mismatch",
      "The identity provider's answer belongs to another sign-in (state mismatch); start again.",
      { field: "state" },
    );
  if (now - flow.data.createdAt > SSO_FLOW_TTL_MS || now < flow.data.createdAt)
    return fail(400, "sso_flow_expired", "This sign-in took over 10 minutes; start again.");
  return ok(flow.data);
}

/**
 * Finishes a sign-in from the browser's callback URL and the flow state the store handed back
 * (undefined when none matched). Never throws for anything the browser or the provider sends.
 * @example
 * const identity = await completeSignIn(config, c.req.url, await flows.take(state));
 * if (!identity.ok) throw ApiError.from(identity);
 */
export async function completeSignIn(
  input: SsoRuntimeConfig,
  callbackUrl: string | URL,
  stored: unknown,
  options: FlowOptions = {},
): Promise<Outcome<VerifiedIdentity>> {
  const ctx = context(input, options);
  if (!ctx.config.enabled) return disabled();
  const parsed = URL.parse(String(callbackUrl));
  if (!parsed) return fail(400, "sso_provider_error", "The callback URL is not a URL.");
  const params = parsed.searchParams;
  const flow = checkFlow(stored, params, ctx.now);
  if (!flow.ok) return flow;
  const as = await discover(ctx.config.issuer, { ...ctx, allowLoopback: ctx.config.allowLoopback });
  if (!as.ok) return as;
  const client: oauth.Client = { client_id: ctx.config.clientId };
  let callback: URLSearchParams;
  try {
    callback = oauth.validateAuthResponse(as.value, client, params, flow.value.state);
  } catch (error) {
    return callbackFailure(error);
  }
  return exchangeCode({ ...ctx, as: as.value, client, callback, flow: flow.value });
}

/** The provider's error redirect (`error=access_denied`) or a malformed or mixed-up answer. */
function callbackFailure(error: unknown) {
  if (error instanceof oauth.AuthorizationResponseError) {
    const code = /^[a-z_]{1,64}$/.test(error.error) ? error.error : "error";
    return fail(
      400,
      "sso_provider_error",
      `The identity provider did not sign you in (${code}); try again or ask an admin.`,
    );
  }
  const why = error instanceof Error ? error.message : "malformed answer";
  return fail(400, "sso_provider_error", `The identity provider's answer is not usable: ${why}.`);
}
