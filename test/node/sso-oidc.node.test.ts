import { base64url, decodeJwt, SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OidcCache } from "../../providers/oidc/cache";
import { completeSignIn, startSignIn } from "../../providers/oidc/flow";
import type { FetchLike } from "../../providers/oidc/outbound";
import type { SsoRuntimeConfig } from "../../schema/sso";
import {
  browseToCallback,
  CLIENT,
  makeSigningKey,
  OTHER_CLIENT,
  PEOPLE,
  REDIRECT_URI,
  startOidcProvider,
  type OidcPeer,
  type TestClient,
} from "../peers/oidc-provider";

/**
 * The whole sign-in against a real OpenID provider (oidc-provider): discovery, the redirect,
 * the provider's login, the code exchange with PKCE and the client secret, and the ID token
 * verified with jose. Attacks on the answer are made by rewriting what the token endpoint
 * sends back (a man in the middle, or a provider that misbehaves), with tokens signed by the
 * provider's own key where the attack needs a valid signature.
 */

let peer: OidcPeer;
beforeAll(async () => {
  peer = await startOidcProvider();
});
afterAll(async () => {
  await peer?.close();
});

const config = (client: TestClient = CLIENT): SsoRuntimeConfig => ({
  enabled: true,
  issuer: peer.issuer,
  clientId: client.clientId,
  clientSecret: client.clientSecret,
  allowedEmailDomains: ["example.com"],
  requireVerifiedEmail: true,
  redirectUri: REDIRECT_URI,
  allowLoopback: true,
  roleMapping: { claim: "groups", values: { "ops-admins": "admin", everyone: "viewer" } },
});

/** Network calls the flow made, by path, and the fetch that counts them (and may rewrite). */
function network(rewriteIdToken?: (real: string) => Promise<string>) {
  const calls: string[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    calls.push(url.pathname);
    const res = await fetch(input, init);
    if (!rewriteIdToken || url.pathname !== "/token" || res.status !== 200) return res;
    const body = (await res.json()) as Record<string, unknown>;
    const forged = await rewriteIdToken(String(body.id_token));
    return Response.json({ ...body, id_token: forged }, { headers: res.headers });
  };
  return { calls, fetch: fetchImpl };
}

/** One sign-in up to the callback: what Opsdeck stores, and the URL the browser comes back to. */
async function signInUntilCallback(cache: OidcCache, client: TestClient = CLIENT) {
  const started = await startSignIn(config(client), { cache, returnTo: "/w/demo" });
  if (!started.ok) throw new Error(started.detail);
  const callback = await browseToCallback(started.value.url, REDIRECT_URI);
  return { flow: started.value.flow, callback, url: new URL(started.value.url) };
}

/** A token like the provider's, with `changes` applied, signed with the provider's key. */
async function providerSigned(real: string, changes: JWTPayload): Promise<string> {
  const key = peer.current();
  return new SignJWT({ ...decodeJwt(real), ...changes })
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .sign(key.privateKey);
}

describe("OIDC sign-in against a real provider", { timeout: 30_000 }, () => {
  it("signs a person in: email, verified, name and the mapped role", async () => {
    peer.signInAs("alice");
    const cache = new OidcCache();
    const { flow, callback, url } = await signInUntilCallback(cache);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("nonce")).toBe(flow.nonce);
    expect(url.searchParams.get("code_challenge")).not.toContain(flow.codeVerifier);
    expect(flow.returnTo).toBe("/w/demo");
    const identity = await completeSignIn(config(), callback, flow, { cache });
    expect(identity).toEqual({
      ok: true,
      value: {
        issuer: peer.issuer,
        subject: "alice",
        email: PEOPLE.alice!.email,
        emailVerified: true,
        name: "Alice Admin",
        roleClaim: "admin",
      },
    });
  });

  it("refuses an ID token issued for another client (wrong audience)", async () => {
    peer.signInAs("alice");
    const other = await signInUntilCallback(new OidcCache(), OTHER_CLIENT);
    const otherIdentity = network();
    // A genuine token for the other client, obtained through its own flow.
    let otherToken = "";
    const capture: FetchLike = async (input, init) => {
      const res = await otherIdentity.fetch(input, init);
      if (String(input).endsWith("/token"))
        otherToken = ((await res.clone().json()) as { id_token: string }).id_token;
      return res;
    };
    const ok = await completeSignIn(config(OTHER_CLIENT), other.callback, other.flow, {
      fetch: capture,
    });
    expect(ok.ok).toBe(true);
    expect(decodeJwt(otherToken).aud).toBe(OTHER_CLIENT.clientId);

    const cache = new OidcCache();
    const mine = await signInUntilCallback(cache);
    const swapped = network(async () => otherToken);
    const result = await completeSignIn(config(), mine.callback, mine.flow, {
      cache,
      fetch: swapped.fetch,
    });
    expect(result).toMatchObject({ ok: false, status: 401, code: "sso_id_token_invalid" });
    expect(!result.ok && result.detail).toContain("another audience");
  });

  it("refuses an expired ID token signed with the provider's own key", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    const now = Math.floor(Date.now() / 1000);
    const expired = network((real) => providerSigned(real, { iat: now - 7200, exp: now - 3600 }));
    const result = await completeSignIn(config(), callback, flow, { cache, fetch: expired.fetch });
    expect(result).toMatchObject({ ok: false, status: 401, code: "sso_id_token_invalid" });
    expect(!result.ok && result.detail).toContain("expired");
  });

  it("refuses alg none and an HS256 token keyed with the provider's public key", async () => {
    for (const forge of [
      async (real: string) => {
        const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
        return `${header}.${real.split(".")[1]}.`;
      },
      async (real: string) =>
        new SignJWT(decodeJwt(real))
          .setProtectedHeader({ alg: "HS256", kid: peer.current().kid })
          .sign(new TextEncoder().encode(JSON.stringify(peer.current().publicJwk))),
    ]) {
      const cache = new OidcCache();
      const { flow, callback } = await signInUntilCallback(cache);
      const result = await completeSignIn(config(), callback, flow, {
        cache,
        fetch: network(forge).fetch,
      });
      expect(result).toMatchObject({ ok: false, status: 401, code: "sso_id_token_invalid" });
      expect(!result.ok && result.detail).toContain("algorithm is not allowed");
    }
  });

  it("refuses a nonce that is not this sign-in's", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    const stored = { ...flow, nonce: "A".repeat(43) };
    const result = await completeSignIn(config(), callback, stored, { cache });
    expect(result).toMatchObject({ ok: false, status: 401, code: "sso_id_token_invalid" });
    expect(!result.ok && result.detail).toContain("nonce");
  });

  it("refuses a replayed code: the provider will not redeem it twice", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    expect((await completeSignIn(config(), callback, flow, { cache })).ok).toBe(true);
    const replay = await completeSignIn(config(), callback, flow, { cache });
    expect(replay).toMatchObject({ ok: false, status: 400, code: "sso_code_rejected" });
    expect(!replay.ok && replay.detail).toContain("invalid_grant");
    const code = new URL(callback).searchParams.get("code") ?? "";
    expect(code.length).toBeGreaterThan(10);
    expect(JSON.stringify(replay)).not.toContain(code);
  });

  it("refuses a wrong PKCE verifier at the provider, and a missing one before any call", async () => {
    const cache = new OidcCache();
    const first = await signInUntilCallback(cache);
    const wrong = { ...first.flow, codeVerifier: "B".repeat(43) };
    expect(await completeSignIn(config(), first.callback, wrong, { cache })).toMatchObject({
      ok: false,
      code: "sso_code_rejected",
    });
    const second = await signInUntilCallback(cache);
    const { codeVerifier: _dropped, ...withoutVerifier } = second.flow;
    const counted = network();
    const missing = await completeSignIn(config(), second.callback, withoutVerifier, {
      cache,
      fetch: counted.fetch,
    });
    expect(missing).toMatchObject({ ok: false, status: 400, code: "sso_pkce_missing" });
    expect(counted.calls).toEqual([]);
  });

  it("refuses a state mismatch, an unknown flow and a stale one before any call", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    const counted = network();
    const options = { cache, fetch: counted.fetch };
    const tampered = new URL(callback);
    tampered.searchParams.set("state", "C".repeat(43));
    expect(await completeSignIn(config(), tampered, flow, options)).toMatchObject({
      ok: false,
      status: 400,
      code: "sso_state_mismatch",
    });
    expect(await completeSignIn(config(), callback, undefined, options)).toMatchObject({
      code: "sso_state_unknown",
    });
    const stale = { ...options, now: flow.createdAt + 10 * 60 * 1000 + 1 };
    expect(await completeSignIn(config(), callback, flow, stale)).toMatchObject({
      code: "sso_flow_expired",
    });
    expect(counted.calls).toEqual([]);
  });

  it("refuses an address outside the allowed domains, and an unverified one", async () => {
    for (const [person, code] of [
      ["mallory", "sso_email_domain"],
      ["bob", "sso_email_unverified"],
    ] as const) {
      peer.signInAs(person);
      const cache = new OidcCache();
      const { flow, callback } = await signInUntilCallback(cache);
      expect(await completeSignIn(config(), callback, flow, { cache })).toMatchObject({
        ok: false,
        status: 403,
        code,
      });
    }
    peer.signInAs("alice");
  });

  it("refuses a wrong client secret as the admin's problem, naming no secret", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    const wrong = { ...config(), clientSecret: "not-the-secret-at-all" };
    const result = await completeSignIn(wrong, callback, flow, { cache });
    expect(result).toMatchObject({ ok: false, status: 502, code: "sso_client_rejected" });
    expect(JSON.stringify(result)).not.toContain("not-the-secret-at-all");
  });

  it("refuses a returnTo that leaves the site, before any call", async () => {
    const counted = network();
    for (const returnTo of ["//evil.example", "https://evil.example/", "/\\evil.example"])
      expect(
        await startSignIn(config(), { cache: new OidcCache(), fetch: counted.fetch, returnTo }),
      ).toMatchObject({ ok: false, status: 400, code: "validation_failed", field: "returnTo" });
    expect(counted.calls).toEqual([]);
  });

  it("refuses an issuer the URL policy refuses, and never calls it", async () => {
    const counted = network();
    const result = await startSignIn(
      { ...config(), allowLoopback: false },
      { cache: new OidcCache(), fetch: counted.fetch },
    );
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      code: "url_not_allowed",
      field: "issuer",
    });
    expect(counted.calls).toEqual([]);
  });
});

describe("what the provider advertises and answers", { timeout: 30_000 }, () => {
  it("uses client_secret_post when that is the only method the provider lists", async () => {
    const postOnly = await startOidcProvider({ clientAuthMethods: ["client_secret_post"] });
    try {
      const cfg = { ...config(), issuer: postOnly.issuer };
      const cache = new OidcCache();
      const sent: string[] = [];
      const watch: FetchLike = async (input, init) => {
        if (String(input).endsWith("/token"))
          sent.push(new Headers(init?.headers).has("authorization") ? "basic" : String(init?.body));
        return fetch(input, init);
      };
      const started = await startSignIn(cfg, { cache, fetch: watch });
      if (!started.ok) throw new Error(started.detail);
      const callback = await browseToCallback(started.value.url, REDIRECT_URI);
      const identity = await completeSignIn(cfg, callback, started.value.flow, {
        cache,
        fetch: watch,
      });
      expect(identity).toMatchObject({ ok: true, value: { email: "alice@example.com" } });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toContain("client_secret=");
    } finally {
      await postOnly.close();
    }
  });

  it("turns the provider's error redirect into a 400 naming only its error code", async () => {
    const cache = new OidcCache();
    const { flow } = await signInUntilCallback(cache);
    const callback = new URL(REDIRECT_URI);
    callback.searchParams.set("error", "access_denied");
    callback.searchParams.set("error_description", "<script>alert(1)</script>");
    callback.searchParams.set("state", flow.state);
    callback.searchParams.set("iss", peer.issuer);
    const result = await completeSignIn(config(), callback, flow, { cache });
    expect(result).toMatchObject({ ok: false, status: 400, code: "sso_provider_error" });
    expect(!result.ok && result.detail).toContain("access_denied");
    expect(JSON.stringify(result)).not.toContain("<script>");
  });

  it("refuses a callback that names another issuer (mix-up)", async () => {
    const cache = new OidcCache();
    const { flow, callback } = await signInUntilCallback(cache);
    const mixed = new URL(callback);
    mixed.searchParams.set("iss", "https://attacker.example.com");
    const counted = network();
    const result = await completeSignIn(config(), mixed, flow, { cache, fetch: counted.fetch });
    expect(result).toMatchObject({ ok: false, status: 400, code: "sso_provider_error" });
    expect(counted.calls).not.toContain("/token");
  });
});

describe("ID token keys: cached, rotated, unknown kid", { timeout: 30_000 }, () => {
  it("fetches the JWKS once, then again only for a new kid after the cooldown", async () => {
    peer.signInAs("alice");
    // A cooldown long enough that two back-to-back exchanges fall inside it on a loaded machine.
    const COOLDOWN_MS = 1_000;
    const cache = new OidcCache({ jwksCooldownMs: COOLDOWN_MS });
    const counted = network();
    const signIn = async () => {
      const { flow, callback } = await signInUntilCallback(cache);
      return completeSignIn(config(), callback, flow, { cache, fetch: counted.fetch });
    };
    const jwks = () => counted.calls.filter((p) => p === "/jwks").length;
    expect((await signIn()).ok).toBe(true);
    expect((await signIn()).ok).toBe(true);
    expect(jwks()).toBe(1); // the second sign-in verified with cached keys

    // A token under a key id the provider never published: one refetch, then the cooldown.
    const stranger = await makeSigningKey("unknown-kid");
    const forge = async (real: string) =>
      new SignJWT(decodeJwt(real))
        .setProtectedHeader({ alg: "RS256", kid: stranger.kid })
        .sign(stranger.privateKey);
    // Both sign-ins reach the callback first, so only their exchanges run after the cooldown.
    const pending = [await signInUntilCallback(cache), await signInUntilCallback(cache)];
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
    for (const { flow, callback } of pending) {
      // The key set keeps the fetch it was made with (counted), so its calls are counted there.
      const forged = network(forge);
      const result = await completeSignIn(config(), callback, flow, { cache, fetch: forged.fetch });
      expect(result).toMatchObject({ ok: false, status: 401, code: "sso_id_token_invalid" });
      expect(!result.ok && result.detail).toContain("matches no key");
    }
    expect(jwks()).toBe(2); // one refetch for both unknown-kid tokens

    // The provider rotates: its new kid is fetched once, after the cooldown.
    const before = peer.jwksServed();
    const next = await peer.rotateKeys();
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
    const rotated = await signIn();
    expect(rotated.ok).toBe(true);
    expect(peer.current().kid).toBe(next.kid);
    expect((await signIn()).ok).toBe(true);
    expect(peer.jwksServed() - before).toBe(1);
  });
});
