import { createMiddleware } from "hono/factory";
import { readJsonBody } from "./json-body";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { bearerToken } from "../lib/bearer";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares fixed-length digests in constant time, wherever the strings differ. */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** The operator credential (a Worker secret) creates workspaces; nothing else accepts it. */
export const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.OPERATOR_TOKEN;
  const token = bearerToken(c.req.header("Authorization"));
  if (!expected)
    throw new ApiError(
      503,
      "operator_token_missing",
      "OPERATOR_TOKEN is not configured on the server.",
    );
  if (!token || !(await sameSecret(token, expected))) {
    throw new ApiError(
      401,
      "unauthenticated",
      "Send 'Authorization: Bearer <operator token>'.",
      undefined,
      { "WWW-Authenticate": 'Bearer realm="opsdeck-operator"' },
    );
  }
  await readJsonBody(c);
  await next();
});

/**
 * `/openapi.json` is open in development; in production it needs the operator credential
 * unless OPENAPI_PUBLIC is "true" (ASVS 13.4.5).
 */
export const openapiGuard = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.ENVIRONMENT === "production" && c.env.OPENAPI_PUBLIC !== "true")
    return requireOperator(c, next);
  await next();
});
