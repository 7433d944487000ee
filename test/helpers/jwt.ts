import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { decodeProtectedHeader, type JWK } from "jose";
import type { IssuedJwt } from "../../schema";
import type { Capabilities } from "../../durable-objects/capabilities/compose";
import type { Workspace } from "../../durable-objects/workspace";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { call, jsonInit, type TestWorkspace } from "./workspace";

/** `POST /auth/login` from `ip`, with a token in the body or a cookie header. */
export function authLogin(
  body: { workspace: string; token?: string },
  ip = "192.0.2.10",
  cookie?: string,
): Promise<Response> {
  const init = jsonInit("POST", body);
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", ip);
  if (cookie) headers.set("Cookie", cookie);
  return call("/auth/login", { ...init, headers });
}

/** A JWT for `token` of `ws`, through `/auth/login`. */
export async function jwtFor(ws: TestWorkspace, token: string): Promise<IssuedJwt> {
  const res = await authLogin({ workspace: ws.id, token });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return (await res.json()) as IssuedJwt;
}

export const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

/** The object's capabilities (tests reach the key store the way an alarm would). */
export const capabilities = (instance: Workspace) => (instance as unknown as { c: Capabilities }).c;

/**
 * The workspace's current private signing key, opened from storage the way the object does,
 * so a test can forge tokens with the real key but wrong claims (expired, wrong audience).
 */
export function currentPrivateKey(ws: TestWorkspace): Promise<{ kid: string; jwk: JWK }> {
  return runInDurableObject<Workspace, { kid: string; jwk: JWK }>(ws.stub, async (_i, state) => {
    const row = state.storage.sql
      .exec<{ kid: string; private_sealed: string }>(
        "SELECT kid, private_sealed FROM jwt_keys WHERE retired_at IS NULL",
      )
      .one();
    const box = await SecretBox.fromSetting(env.SECRETS_KEY);
    return { kid: row.kid, jwk: JSON.parse(await box!.open(row.private_sealed)) as JWK };
  });
}

/** base64url of a JSON value, for hand-built (hostile) tokens. */
export function b64json(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
