import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/**
 * Signature and claim checks shared by ID tokens and Cloudflare Access assertions, with jose.
 * The algorithm comes from an allow-list of asymmetric ones, so `alg: none` fails, and so does
 * an HS256 token "signed" with a provider's public key (jose would need an `oct` key, which a
 * JWKS never holds, and the allow-list refuses HS* before that).
 */

/** Asymmetric JWS algorithms an identity provider may sign with. */
export const ASYMMETRIC_ALGS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/** Clocks drift: a token a few seconds "early" or "late" is still the one the provider meant. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Why a token was refused, in words safe to show and log (never the token itself). `provider`:
 * the key set could not be read (down, refused by the URL policy, not a JWKS), so the token was
 * never judged; `token`: the token failed a check.
 */
export type JwtRefusal = { ok: false; kind: "token" | "provider"; reason: string };
export type JwtVerdict = { ok: true; claims: JWTPayload } | JwtRefusal;

export type JwtExpectations = {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  /** Seconds since the epoch to check `exp`/`nbf`/`iat` against (tests); now by default. */
  currentDate?: Date;
  clockToleranceSeconds?: number;
  /** Claims that must be present besides `exp` (`iat`, `sub`, …). */
  requiredClaims?: string[];
};

/**
 * Verifies a compact JWS against the key set and expectations; never throws for a bad token.
 * @example await verifyJwt(token, keys, { issuer, audience, algorithms: ["RS256"] })
 */
export async function verifyJwt(
  token: string,
  keys: JWTVerifyGetKey,
  expect: JwtExpectations,
): Promise<JwtVerdict> {
  if (token.length > 16_384) return { ok: false, kind: "token", reason: "the token is over 16 kB" };
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: expect.issuer,
      audience: expect.audience,
      algorithms: [...expect.algorithms],
      clockTolerance: expect.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS,
      currentDate: expect.currentDate,
      requiredClaims: ["exp", ...(expect.requiredClaims ?? [])],
    });
    return { ok: true, claims: payload };
  } catch (error) {
    return {
      ok: false,
      kind: providerFault(error) ? "provider" : "token",
      reason: refusalReason(error),
    };
  }
}

/** The key set, not the token, failed: a network error, a timeout, a non-200 or a non-JWKS. */
function providerFault(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.constructor === errors.JOSEError
  );
}

/** jose's error, in a sentence that names the failed check (and no token material). */
export function refusalReason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === "aud") return "the token was issued for another audience";
    if (claim === "iss") return "the token was issued by another issuer";
    if (claim === "nbf") return "the token is not valid yet";
    if (claim === "iat") return "the token's issue time is invalid";
    return `the token's ${claim} claim is ${error.reason === "missing" ? "missing" : "invalid"}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return "the token's signing algorithm is not allowed";
  if (error instanceof errors.JWKSNoMatchingKey)
    return "the token's key id matches no key of the provider";
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return "the token's key id matches several keys of the provider";
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "the token's signature does not verify";
  if (error instanceof errors.JWKSTimeout) return "the provider's key set did not answer in time";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return "the token is malformed";
  if (error instanceof errors.JWKSInvalid) return "the provider's key set is not a JWKS";
  if (error instanceof errors.JOSEError) return "the provider's key set could not be read";
  // Our outbound fetch's errors (URL policy, size, unreachable) say what happened, safely.
  return `the provider's key set could not be fetched: ${error instanceof Error ? error.message : "?"}`;
}
