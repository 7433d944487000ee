import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type * as oauth from "oauth4webapi";
import { verifyAccessJwt } from "../../providers/access-jwt";
import { OidcCache } from "../../providers/oidc/cache";
import { verifyIdToken } from "../../providers/oidc/exchange";
import { outboundFetch } from "../../providers/oidc/outbound";

/**
 * The hot-path verifications the SSO bench times, the same code in Node and in workerd: an ID
 * token (RS256, the sign-in) and a Cloudflare Access assertion (RS256, every request behind
 * Access), each against keys already in the cache, so no fetch happens inside the loop. The
 * JWKS is served from memory: the first verification fetches it once, as in production.
 */

const ISSUER = "https://idp.example.com";
const TEAM = "https://acme.cloudflareaccess.com";
const AUD = "a".repeat(64);
const NONCE = "n".repeat(43);

export type Workload = {
  idToken: (n: number) => Promise<void>;
  access: (n: number) => Promise<void>;
};

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/** Keys, tokens and warm caches; then `idToken(n)` / `access(n)` verify n times and check each. */
export async function prepare(): Promise<Workload> {
  const idp = await keyPair("idp-1");
  const team = await keyPair("team-1");
  const jwks = (keys: object[]) => () => Promise.resolve(Response.json({ keys }));
  const idToken = await new SignJWT({
    email: "alice@example.com",
    email_verified: true,
    nonce: NONCE,
  })
    .setProtectedHeader({ alg: "RS256", kid: "idp-1" })
    .setIssuer(ISSUER)
    .setAudience("opsdeck")
    .setSubject("alice")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(idp.privateKey);
  const assertion = await new SignJWT({ email: "alice@example.com", type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: "team-1" })
    .setIssuer(TEAM)
    .setAudience([AUD])
    .setSubject("u1")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(team.privateKey);
  const as: oauth.AuthorizationServer = { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` };
  const idCache = new OidcCache();
  const idFetch = outboundFetch({ allowLoopback: false, fetch: jwks([idp.jwk]) });
  const accessCache = new OidcCache();
  const accessFetch = jwks([team.jwk]);
  const config = { teamDomain: "acme", audience: AUD };
  const one = {
    idToken: async () => {
      const v = await verifyIdToken(idToken, {
        as,
        clientId: "opsdeck",
        nonce: NONCE,
        cache: idCache,
        fetch: idFetch,
        scope: "public",
      });
      if (!v.ok) throw new Error(v.reason);
    },
    access: async () => {
      const v = await verifyAccessJwt(assertion, config, {
        cache: accessCache,
        fetch: accessFetch,
      });
      if (!v.ok) throw new Error(v.detail);
    },
  };
  await one.idToken();
  await one.access();
  const loop = (f: () => Promise<void>) => async (n: number) => {
    for (let i = 0; i < n; i++) await f();
  };
  return { idToken: loop(one.idToken), access: loop(one.access) };
}

/**
 * The workerd side of the bench (this module is the Worker there): `GET /?kind=idToken|access&n=N`
 * runs N verifications. The first request prepares keys and tokens; the bench sends it first.
 */
let workload: Promise<Workload> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const kind = url.searchParams.get("kind") === "access" ? "access" : "idToken";
    workload ??= prepare();
    await (await workload)[kind](n);
    return new Response("ok");
  },
};
