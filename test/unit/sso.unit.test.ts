import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { verifyAccessJwt } from "../../providers/access-jwt";
import { OidcCache } from "../../providers/oidc/cache";
import { startSignIn } from "../../providers/oidc/flow";
import { identityFrom } from "../../providers/oidc/identity";
import { ASYMMETRIC_ALGS, verifyJwt } from "../../providers/oidc/verify-jwt";
import { ReturnTo, SsoConfigInput, SsoFlowState } from "../../schema/sso";

/**
 * The SSO provider layer inside workerd: jose and oauth4webapi as the Worker runs them (Web
 * Crypto, fetch, no Node APIs), plus the schema's bounds. The full flow against a real
 * provider is in test/node/sso-oidc.node.test.ts.
 */

const ISSUER = "https://idp.example.com";

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

describe("jose in workerd", () => {
  it("verifies RS256 and refuses alg none", async () => {
    const key = await rsaKey("k1");
    const keys = createLocalJWKSet({ keys: [key.jwk] });
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience("opsdeck")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key.privateKey);
    const expect0 = { issuer: ISSUER, audience: "opsdeck", algorithms: ASYMMETRIC_ALGS };
    expect(await verifyJwt(token, keys, expect0)).toMatchObject({ ok: true });
    const unsigned = `${base64url.encode('{"alg":"none"}')}.${token.split(".")[1]}.`;
    expect(await verifyJwt(unsigned, keys, expect0)).toMatchObject({
      ok: false,
      kind: "token",
      reason: "the token's signing algorithm is not allowed",
    });
  });

  it("verifies an Access assertion with the certs fetched through the Worker's fetch", async () => {
    const key = await rsaKey("access-1");
    const team = "https://acme.cloudflareaccess.com";
    const certs = () => Promise.resolve(Response.json({ keys: [key.jwk] }));
    const token = await new SignJWT({ email: "ops@example.com", type: "app", sub: "u1" })
      .setProtectedHeader({ alg: "RS256", kid: "access-1" })
      .setIssuer(team)
      .setAudience(["a".repeat(64)])
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key.privateKey);
    const result = await verifyAccessJwt(
      token,
      { teamDomain: "acme", audience: "a".repeat(64) },
      { cache: new OidcCache(), fetch: certs },
    );
    expect(result).toMatchObject({ ok: true, value: { kind: "person", email: "ops@example.com" } });
  });
});

describe("OidcCache", () => {
  it("forgets the oldest key set and issuer past its bound", () => {
    const cache = new OidcCache({ maxEntries: 2 });
    const never = () => Promise.reject(new Error("no fetch expected"));
    const first = cache.keys("https://a.example.com/jwks", "public", never);
    cache.keys("https://b.example.com/jwks", "public", never);
    expect(cache.keys("https://a.example.com/jwks", "public", never)).toBe(first);
    cache.keys("https://c.example.com/jwks", "public", never);
    for (const issuer of [
      "https://a.example.com",
      "https://b.example.com",
      "https://c.example.com",
    ])
      cache.rememberDiscovery(issuer, { issuer }, 0);
    expect(cache.size).toEqual({ discovery: 2, keySets: 2 });
    expect(cache.discovery("https://a.example.com", 0)).toBeUndefined();
    expect(cache.discovery("https://c.example.com", 60 * 60 * 1000)).toBeUndefined();
  });
});

describe("oauth4webapi in workerd", () => {
  it("builds the authorization URL with state, nonce and an S256 challenge", async () => {
    const metadata = {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
    };
    const started = await startSignIn(
      {
        enabled: true,
        issuer: ISSUER,
        clientId: "opsdeck",
        clientSecret: "secret-123",
        allowedEmailDomains: ["example.com"],
        requireVerifiedEmail: true,
        redirectUri: "https://ops.example.com/w/demo/auth/sso/callback",
      },
      { cache: new OidcCache(), fetch: () => Promise.resolve(Response.json(metadata)) },
    );
    if (!started.ok) throw new Error(started.detail);
    const url = new URL(started.value.url);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBe(started.value.flow.state);
    expect(SsoFlowState.safeParse(started.value.flow).success).toBe(true);
  });

  it("refuses metadata whose token endpoint the URL policy refuses", async () => {
    const metadata = {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: "https://169.254.169.254/token",
      jwks_uri: `${ISSUER}/jwks`,
    };
    const started = await startSignIn(
      {
        enabled: true,
        issuer: ISSUER,
        clientId: "opsdeck",
        clientSecret: "secret-123",
        allowedEmailDomains: ["example.com"],
        requireVerifiedEmail: true,
        redirectUri: "https://ops.example.com/cb",
      },
      { cache: new OidcCache(), fetch: () => Promise.resolve(Response.json(metadata)) },
    );
    expect(started).toMatchObject({ ok: false, status: 502, code: "sso_issuer_invalid" });
  });
});

describe("SSO schema and identity rules", () => {
  const valid = {
    enabled: true,
    issuer: ISSUER,
    clientId: "opsdeck",
    clientSecret: "secret-123",
    allowedEmailDomains: ["example.com"],
  };
  it("accepts a configuration and refuses bad fields by name", () => {
    expect(SsoConfigInput.parse(valid).requireVerifiedEmail).toBe(true);
    const paths = (input: unknown) =>
      SsoConfigInput.safeParse(input).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths({ ...valid, allowedEmailDomains: [] })).toEqual(["allowedEmailDomains"]);
    expect(paths({ ...valid, allowedEmailDomains: ["@example.com"] })).toEqual([
      "allowedEmailDomains.0",
    ]);
    expect(paths({ ...valid, allowedEmailDomains: ["a.com", "A.com"] })).toEqual([
      "allowedEmailDomains",
    ]);
    const many = Array.from({ length: 51 }, (_, i) => `d${i}.example.com`);
    expect(paths({ ...valid, allowedEmailDomains: many })).toEqual(["allowedEmailDomains"]);
    expect(paths({ ...valid, clientSecret: "short" })).toEqual(["clientSecret"]);
    expect(paths({ ...valid, clientId: "has space" })).toEqual(["clientId"]);
    expect(paths({ ...valid, roleMapping: { claim: "groups", values: { x: "root" } } })).toEqual([
      "roleMapping.values.x",
    ]);
    expect(paths({ ...valid, extra: 1 })).toEqual([""]);
  });

  it("keeps returnTo on this site", () => {
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/a b"])
      expect(ReturnTo.safeParse(bad).success).toBe(false);
    expect(ReturnTo.safeParse("/w/demo/alerts?x=1").success).toBe(true);
  });

  it("maps the highest matching role and compares domains exactly", () => {
    const rules = {
      allowedEmailDomains: ["example.com"],
      requireVerifiedEmail: true,
      roleMapping: { claim: "groups", values: { a: "viewer", b: "operator" } as const },
    };
    const claims = { iss: ISSUER, sub: "s", email: "x@example.com", email_verified: true };
    expect(identityFrom({ ...claims, groups: ["a", "b", "z"] }, rules)).toMatchObject({
      ok: true,
      value: { roleClaim: "operator" },
    });
    expect(identityFrom({ ...claims, groups: "zz" }, rules)).toMatchObject({
      ok: true,
      value: { email: "x@example.com" },
    });
    expect(identityFrom({ ...claims, email: "x@eng.example.com" }, rules)).toMatchObject({
      code: "sso_email_domain",
    });
    expect(identityFrom({ ...claims, email: "x@example.com.evil.test" }, rules)).toMatchObject({
      code: "sso_email_domain",
    });
    expect(identityFrom({ ...claims, email: undefined }, rules)).toMatchObject({
      code: "sso_email_missing",
    });
    const trusting = { ...rules, requireVerifiedEmail: false };
    expect(identityFrom({ ...claims, email_verified: undefined }, trusting)).toMatchObject({
      ok: true,
      value: { emailVerified: false },
    });
  });
});
