import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessIssuer, verifyAccessJwt } from "../../providers/access-jwt";
import { OidcCache } from "../../providers/oidc/cache";
import { makeSigningKey, type SigningKey } from "../peers/oidc-provider";

/**
 * Cloudflare Access assertions, verified as Opsdeck would behind Access: an RS256 key pair made
 * here stands for the team's signing key, its JWKS is served by a small local server at the
 * path Access uses (`/cdn-cgi/access/certs`, with `keys`, `public_cert` and `public_certs` as
 * Cloudflare documents), and tokens carry Access's claims (aud list, email, type, identity_nonce,
 * sub, country).
 */

const AUD = "32eafc7626e974616deaf0dc3ce63d7bcbed58a2731e84d06bc7d3f4a3b1b9e1";
let key: SigningKey;
let server: Server;
let team = "";
let certsServed = 0;

beforeAll(async () => {
  key = await makeSigningKey("access-key-1");
  server = createServer((req, res) => {
    if (req.url !== "/cdn-cgi/access/certs") {
      res.writeHead(404).end();
      return;
    }
    certsServed++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        keys: [key.publicJwk],
        public_cert: { kid: key.kid, cert: "" },
        public_certs: [],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  team = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = () => ({ teamDomain: team, audience: AUD, allowLoopback: true });

async function assertion(changes: JWTPayload = {}, signer: SigningKey = key): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: [AUD],
    email: "Alice@Example.com",
    exp: now + 300,
    iat: now,
    nbf: now,
    iss: team,
    type: "app",
    identity_nonce: "6ei69kawdKzMIAPF",
    sub: "7335d417-61da-459d-899c-0a01c76a2f94",
    country: "US",
    ...changes,
  })
    .setProtectedHeader({ alg: "RS256", kid: signer.kid, typ: "JWT" })
    .sign(signer.privateKey);
}

describe("Cloudflare Access assertion", { timeout: 30_000 }, () => {
  it("admits a valid assertion as the person it names, with cached keys", async () => {
    const cache = new OidcCache();
    const before = certsServed;
    const expected = {
      ok: true,
      value: {
        kind: "person",
        issuer: team,
        subject: "7335d417-61da-459d-899c-0a01c76a2f94",
        email: "alice@example.com",
        country: "US",
      },
    };
    expect(await verifyAccessJwt(await assertion(), config(), { cache })).toEqual(expected);
    expect(await verifyAccessJwt(await assertion(), config(), { cache })).toEqual(expected);
    expect(certsServed - before).toBe(1);
  });

  it("admits a service token as a service, not a person", async () => {
    const token = await assertion({ email: undefined, sub: "", common_name: "ci.access" });
    expect(await verifyAccessJwt(token, config(), { cache: new OidcCache() })).toEqual({
      ok: true,
      value: { kind: "service", issuer: team, clientId: "ci.access" },
    });
  });

  it.each([
    ["another application's AUD", { aud: ["f".repeat(64)] }, "another audience"],
    ["an expired token", { exp: Math.floor(Date.now() / 1000) - 120 }, "expired"],
    ["another team's issuer", { iss: "https://other.cloudflareaccess.com" }, "another issuer"],
  ])("refuses %s", async (_name, changes, reason) => {
    const result = await verifyAccessJwt(await assertion(changes), config(), {
      cache: new OidcCache(),
    });
    expect(result).toMatchObject({ ok: false, status: 401, code: "access_jwt_invalid" });
    expect(!result.ok && result.detail).toContain(reason);
  });

  it("refuses an unknown key id after one refetch, and a missing header", async () => {
    const cache = new OidcCache();
    expect((await verifyAccessJwt(await assertion(), config(), { cache })).ok).toBe(true);
    const before = certsServed;
    const stranger = await makeSigningKey("not-a-team-key");
    for (let i = 0; i < 3; i++) {
      const result = await verifyAccessJwt(await assertion({}, stranger), config(), { cache });
      expect(result).toMatchObject({ ok: false, status: 401, code: "access_jwt_invalid" });
      expect(!result.ok && result.detail).toContain("matches no key");
    }
    // Inside the cooldown after the first fetch: unknown kids cost no request at all.
    expect(certsServed - before).toBe(0);
    expect(await verifyAccessJwt(null, config(), { cache })).toMatchObject({
      status: 401,
      code: "access_jwt_missing",
    });
  });

  it("refuses a token signed by another key under the team's kid", async () => {
    const impostor = await makeSigningKey(key.kid);
    const result = await verifyAccessJwt(await assertion({}, impostor), config(), {
      cache: new OidcCache(),
    });
    expect(result).toMatchObject({ ok: false, code: "access_jwt_invalid" });
    expect(!result.ok && result.detail).toContain("signature");
  });

  it("says when the certs cannot be fetched (502), not that the token is bad", async () => {
    const result = await verifyAccessJwt(await assertion(), config(), {
      cache: new OidcCache(),
      fetch: () => Promise.reject(new TypeError("connect ECONNREFUSED")),
    });
    expect(result).toMatchObject({ ok: false, status: 502, code: "access_certs_unreachable" });
  });

  it("reads the team domain the ways an admin writes it, and refuses others", () => {
    const issuer = "https://acme.cloudflareaccess.com";
    for (const given of ["acme", "acme.cloudflareaccess.com", `${issuer}/`, issuer])
      expect(accessIssuer(given, false)).toEqual({ ok: true, value: issuer });
    expect(accessIssuer("https://evil.example.com", false)).toMatchObject({ ok: false });
    expect(accessIssuer("http://127.0.0.1:8080", false)).toMatchObject({
      ok: false,
      code: "url_not_allowed",
    });
    expect(accessIssuer("https://acme.cloudflareaccess.com/x", false)).toMatchObject({ ok: false });
  });
});
