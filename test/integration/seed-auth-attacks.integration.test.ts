import { SignJWT, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { LOGIN_PER_CLIENT } from "../../durable-objects/capabilities/login-guard";
import { REFUSAL_FLOOR_MS } from "../../worker/middleware/refusal-floor";
import { type Jwks } from "../../schema";
import { authLogin, b64json, currentPrivateKey, jwtFor, kidOf } from "../helpers/jwt";
import {
  bearer,
  call,
  expectProblem,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

/**
 * Attacks on the seed auth endpoints: forged, altered or foreign JWTs are refused (401) by
 * /auth/verify and the API alike; /auth/login under brute force answers 429 with Retry-After,
 * and tells an unknown workspace from a wrong token neither by its body nor by its time.
 */

async function refused(ws: TestWorkspace, jwt: string, label: string): Promise<void> {
  const v = await call("/auth/verify", bearer(jwt));
  expect(v.status, `${label}: verify`).toBe(401);
  await expectProblem(v, 401, "unauthenticated");
  const api = await call(`/w/${ws.id}/api/alerts`, bearer(jwt));
  expect(api.status, `${label}: api`).toBe(401);
}

/** A token signed with the workspace's real key but the claims a test chooses. */
async function forge(
  ws: TestWorkspace,
  claims: { aud?: string; iss?: string; exp?: number; nbf?: number; kid?: string; sub: string },
): Promise<string> {
  const { kid, jwk } = await currentPrivateKey(ws);
  const key = await importJWK(jwk, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ kind: "token" })
    .setProtectedHeader({ alg: "ES256", kid: claims.kid ?? kid, typ: "at+jwt" })
    .setIssuer(claims.iss ?? `opsdeck:${ws.id}`)
    .setAudience(claims.aud ?? `opsdeck:${ws.id}:api`)
    .setSubject(claims.sub)
    .setIssuedAt(now - 60)
    .setNotBefore(claims.nbf ?? now - 60)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key);
}

describe("seed auth: hostile JWTs", () => {
  it("alg none, HS256 keyed with the public key, wrong aud/iss, expired, not yet valid, unknown kid, another workspace's key: all 401", async () => {
    const ws = await makeWorkspace("jwtx");
    const good = await jwtFor(ws, ws.admin);
    const [, payload] = good.accessToken.split(".");
    const sub = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))).sub as string;
    // The forging helper itself yields a working token, so each refusal below is its claim's.
    expect((await call("/auth/verify", bearer(await forge(ws, { sub })))).status).toBe(200);

    const kid = kidOf(good.accessToken);
    const none = `${b64json({ alg: "none", typ: "at+jwt", kid })}.${payload}.`;
    await refused(ws, none, "alg none");

    const jwks = (await (await call(`/w/${ws.id}/.well-known/jwks.json`)).json()) as Jwks;
    const hs = await new SignJWT({ kind: "token" })
      .setProtectedHeader({ alg: "HS256", kid, typ: "at+jwt" })
      .setIssuer(`opsdeck:${ws.id}`)
      .setAudience(`opsdeck:${ws.id}:api`)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    await refused(ws, hs, "HS256 with the public key");

    const now = Math.floor(Date.now() / 1000);
    await refused(ws, await forge(ws, { sub, aud: `opsdeck:other:api` }), "wrong aud");
    await refused(ws, await forge(ws, { sub, iss: "opsdeck:other" }), "wrong iss");
    await refused(ws, await forge(ws, { sub, exp: now - 120 }), "expired");
    await refused(ws, await forge(ws, { sub, nbf: now + 600 }), "not yet valid");
    await refused(ws, await forge(ws, { sub, kid: "not-a-key" }), "unknown kid");
    // A signature altered by one character.
    const sig = good.accessToken.split(".")[2]!;
    const flipped = `${good.accessToken.slice(0, -sig.length)}${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
    await refused(ws, flipped, "altered signature");

    // Another workspace's genuine JWT, re-addressed to this one: its kid is not ours.
    const other = await makeWorkspace("jwtx");
    const foreign = await jwtFor(other, other.admin);
    const api = await call(`/w/${ws.id}/api/alerts`, bearer(foreign.accessToken));
    await expectProblem(api, 401, "unauthenticated");
    const theirs = await forge(other, {
      sub,
      aud: `opsdeck:${ws.id}:api`,
      iss: `opsdeck:${ws.id}`,
    });
    await refused(ws, theirs, "signed by another workspace's key");
    // A JWT cannot mint its own successor (it is no token: longer than any, refused as such).
    const chained = await authLogin({ workspace: ws.id, token: good.accessToken });
    expect([400, 401]).toContain(chained.status);
  });
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The parts of a problem body that could tell two refusals apart (not the request id). */
const comparable = async (res: Response) => {
  const { status, code, detail, title, type, field } = (await res.json()) as Record<
    string,
    unknown
  >;
  return { status, code, detail, title, type, field, retryAfter: res.headers.get("Retry-After") };
};

describe("seed auth: brute force on /auth/login", () => {
  it("one address guessing tokens gets 429 with Retry-After after the per-address allowance", async () => {
    const ws = await makeWorkspace("jwtbf");
    const ip = "198.51.100.44";
    for (let i = 0; i < LOGIN_PER_CLIENT.burst; i++) {
      const res = await authLogin({ workspace: ws.id, token: `odk.${ws.id}.guess${i}` }, ip);
      await expectProblem(res, 401, "invalid_token");
    }
    const limited = await authLogin({ workspace: ws.id, token: `odk.${ws.id}.guess-more` }, ip);
    await expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Even the right token waits: the guesser cannot tell a hit while limited.
    const right = await authLogin({ workspace: ws.id, token: ws.admin }, ip);
    expect(right.status).toBe(429);
    // Another address signs in as usual.
    expect((await authLogin({ workspace: ws.id, token: ws.admin }, "198.51.100.45")).status).toBe(
      200,
    );
  });

  it("unknown workspace and wrong token: same body, similar time (medians)", async () => {
    const ws = await makeWorkspace("jwtbf");
    const ghost = `ghost-${crypto.randomUUID().slice(0, 8)}`;
    let n = 0;
    // A fresh address each try, so neither path meets the per-address limit.
    const attempt = async (slug: string) => {
      const ip = `203.0.113.${(n++ % 250) + 1}`;
      const t0 = performance.now();
      const res = await authLogin({ workspace: slug, token: `odk.${slug}.wrongwrongwrong` }, ip);
      const body = await comparable(res);
      return { ms: performance.now() - t0, body };
    };
    const a0 = await attempt(ghost);
    const b0 = await attempt(ws.id);
    expect(a0.body).toEqual(b0.body);
    expect(a0.body.status).toBe(401);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 15; i++) {
      a.push((await attempt(ghost)).ms);
      b.push((await attempt(ws.id)).ms);
    }
    const [mu, mk] = [median(a), median(b)];
    expect(mu).toBeGreaterThanOrEqual(REFUSAL_FLOOR_MS * 0.8);
    expect(mk).toBeGreaterThanOrEqual(REFUSAL_FLOOR_MS * 0.8);
    expect(Math.max(mu, mk) / Math.min(mu, mk)).toBeLessThan(2);
  });
});
