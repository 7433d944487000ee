import * as oauth from "oauth4webapi";
import { fail, ok, type Failure, type Outcome } from "../../schema/problem";
import type { SsoFlowState, SsoRuntimeSettings, VerifiedIdentity } from "../../schema/sso";
import type { OidcCache } from "./cache";
import { insecureAllowed, providerFailure } from "./discovery";
import { identityFrom } from "./identity";
import type { FetchLike } from "./outbound";
import { ASYMMETRIC_ALGS, verifyJwt, type JwtVerdict } from "./verify-jwt";

/**
 * The back-channel half of a sign-in: redeem the code (with the PKCE verifier and the client
 * secret, as the provider advertises), verify the ID token with jose (signature through the
 * cached JWKS, issuer, audience, expiry, nonce), then let oauth4webapi run its own checks on
 * the same answer, and map the claims to an identity.
 */

export type ExchangeInput = {
  config: SsoRuntimeSettings;
  cache: OidcCache;
  fetch: FetchLike;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  callback: URLSearchParams;
  flow: SsoFlowState;
};

/** client_secret_basic unless the provider only lists client_secret_post (RFC 8414 default). */
function clientAuth(as: oauth.AuthorizationServer, secret: string): Outcome<oauth.ClientAuth> {
  const methods = as.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (methods.includes("client_secret_basic")) return ok(oauth.ClientSecretBasic(secret));
  if (methods.includes("client_secret_post")) return ok(oauth.ClientSecretPost(secret));
  return fail(
    502,
    "sso_issuer_invalid",
    "The identity provider accepts neither client_secret_basic nor client_secret_post for this client.",
  );
}

/** The `id_token` of a successful token response, read from a copy (the original stays unread). */
async function peekIdToken(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    if (typeof body === "object" && body !== null && "id_token" in body)
      return typeof body.id_token === "string" ? body.id_token : undefined;
  } catch {
    // Not JSON: oauth4webapi says so below, with its own words.
  }
  return undefined;
}

/**
 * jose's verdict on an ID token for this client and flow.
 * @example await verifyIdToken(token, { as, clientId, nonce, keys })
 */
export async function verifyIdToken(
  token: string,
  input: {
    as: oauth.AuthorizationServer;
    clientId: string;
    nonce: string;
    cache: OidcCache;
    fetch: FetchLike;
    scope: string;
    currentDate?: Date;
  },
): Promise<JwtVerdict> {
  const advertised = input.as.id_token_signing_alg_values_supported;
  const algorithms = advertised?.length
    ? ASYMMETRIC_ALGS.filter((alg) => advertised.includes(alg))
    : ASYMMETRIC_ALGS;
  const keys = input.cache.keys(input.as.jwks_uri ?? "", input.scope, input.fetch);
  const verdict = await verifyJwt(token, keys, {
    issuer: input.as.issuer,
    audience: input.clientId,
    algorithms,
    currentDate: input.currentDate,
    requiredClaims: ["iat", "sub"],
  });
  if (!verdict.ok) return verdict;
  const { nonce, aud, azp } = verdict.claims;
  if (typeof nonce !== "string" || nonce !== input.nonce)
    return { ok: false, kind: "token", reason: "the token's nonce is not this sign-in's" };
  // OpenID Connect Core 3.1.3.7: with several audiences, azp must name this client.
  if (Array.isArray(aud) && aud.length > 1 && azp !== input.clientId)
    return { ok: false, kind: "token", reason: "the token was issued for another party (azp)" };
  return verdict;
}

const invalidToken = (reason: string): Failure =>
  fail(401, "sso_id_token_invalid", `The identity provider's ID token is refused: ${reason}.`);

/** The token endpoint's refusal, or oauth4webapi's check that failed. */
function tokenFailure(error: unknown): Failure {
  const clientRejected = () =>
    fail(
      502,
      "sso_client_rejected",
      "The identity provider rejected this workspace's client id or secret; an admin should check the single sign-on settings.",
    );
  if (error instanceof oauth.WWWAuthenticateChallengeError) return clientRejected();
  if (error instanceof oauth.ResponseBodyError) {
    if (error.error === "invalid_client" || error.error === "unauthorized_client")
      return clientRejected();
    const code = /^[a-z_]{1,64}$/.test(error.error) ? error.error : "error";
    return fail(
      400,
      "sso_code_rejected",
      `The identity provider refused the code (${code}): it was used already, has expired, or the PKCE verifier does not match; start again.`,
    );
  }
  if (error instanceof oauth.OperationProcessingError) return invalidToken(error.message);
  return providerFailure(error, "redeem the code");
}

/** Redeems the code and returns the verified identity; never throws for provider answers. */
export async function exchangeCode(input: ExchangeInput): Promise<Outcome<VerifiedIdentity>> {
  const { config, as, client, flow } = input;
  const auth = clientAuth(as, config.clientSecret);
  if (!auth.ok) return auth;
  const requestOptions = {
    [oauth.customFetch]: input.fetch,
    ...insecureAllowed(config.allowLoopback),
  };
  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth.value,
      input.callback,
      config.redirectUri,
      flow.codeVerifier,
      requestOptions,
    );
  } catch (error) {
    return providerFailure(error, "redeem the code");
  }
  let verified: JwtVerdict | undefined;
  const idToken = response.status === 200 ? await peekIdToken(response) : undefined;
  if (idToken !== undefined) {
    const scope = config.allowLoopback ? "loopback" : "public";
    verified = await verifyIdToken(idToken, {
      ...input,
      clientId: client.client_id,
      scope,
      nonce: flow.nonce,
    });
    if (!verified.ok)
      return verified.kind === "provider"
        ? fail(502, "sso_issuer_unreachable", `Could not check the ID token: ${verified.reason}.`)
        : invalidToken(verified.reason);
  }
  try {
    await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: flow.nonce,
      requireIdToken: true,
    });
  } catch (error) {
    return tokenFailure(error);
  }
  if (!verified?.ok) return invalidToken("the answer carries no ID token");
  return identityFrom(verified.claims, config);
}
