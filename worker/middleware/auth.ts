import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { ROLE_RANK, WorkspaceSlug, type Credential, type Role } from "../../schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { bearerToken } from "../lib/bearer";
import { looksLikeJwt } from "../../lib/jwt-shape";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { withIdempotency } from "./idempotency";
import { readJsonBody } from "./json-body";
import { authenticateMetered } from "./rate-limit";
import { SESSION_COOKIE, setSessionCookie } from "../lib/session-cookie";
import { accessOnly, signInWithAccess } from "../lib/access-sign-in";

export { SESSION_COOKIE } from "../lib/session-cookie";

/** Credentials name their workspace (`odk.<workspace>.<random>`), so a foreign one is refused here. */
export function workspaceOfSecret(secret: string): string | undefined {
  const parts = secret.split(".");
  return parts.length === 3 ? parts[1] : undefined;
}

function credentialFrom(c: Context<AppEnv>, allowTicket: boolean): Credential | undefined {
  const header = c.req.header("Authorization");
  if (header) {
    const token = bearerToken(header);
    if (!token)
      throw new ApiError(401, "unauthenticated", "Authorization must be 'Bearer <token>'.");
    return { kind: "token", secret: token };
  }
  const ticket = allowTicket ? c.req.query("ticket") : undefined;
  if (ticket) return { kind: "ticket", secret: ticket };
  // A session opened on this request (Cloudflare Access) is the one it acts on.
  const session = c.get("renewedSession") ?? getCookie(c, SESSION_COOKIE);
  return session ? { kind: "session", secret: session } : undefined;
}

/** The workspace named in the path, validated; unknown shapes are plain 404s. */
export function workspaceParam(c: Context<AppEnv>): string {
  const parsed = WorkspaceSlug.safeParse(c.req.param("workspace"));
  if (!parsed.success) throw new ApiError(404, "not_found", "No such workspace.");
  return parsed.data;
}

/** Cookie-authenticated writes must come from our own origin (CSRF). */
function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("Origin");
  const self = new URL(c.req.url).origin;
  if (origin ? origin === self : c.req.header("Sec-Fetch-Site") === "same-origin") return;
  throw new ApiError(
    403,
    "csrf_rejected",
    "Cross-site request refused: send it from the Opsdeck page or with a bearer token.",
  );
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const invalidCredential = () =>
  new ApiError(
    401,
    "unauthenticated",
    "The credential is invalid, expired or revoked.",
    undefined,
    {
      "WWW-Authenticate": 'Bearer realm="opsdeck", error="invalid_token"',
    },
  );

/**
 * The CSRF check as app middleware, ahead of body parsing: a cross-site form post must be
 * refused as cross-site (403), not coached on its media type (415). Only cookie-carrying
 * writes without a bearer header are checked; `authorize` repeats the check per route.
 */
export const csrfGuard = createMiddleware<AppEnv>(async (c, next) => {
  if (
    !SAFE_METHODS.has(c.req.method) &&
    !c.req.header("Authorization") &&
    getCookie(c, SESSION_COOKIE) !== undefined
  )
    assertSameOrigin(c);
  await next();
});

/**
 * Everything about a credential that can be judged without the object: present, well formed,
 * and minted for the workspace in the path (another workspace's is a 404, garbage a 401).
 */
export function vetCredential(
  c: Context<AppEnv>,
  allowTicket: boolean,
): { id: string; credential: Credential } {
  const id = workspaceParam(c);
  const credential = credentialFrom(c, allowTicket);
  if (!credential)
    throw new ApiError(
      401,
      "unauthenticated",
      "Sign in, or send 'Authorization: Bearer <token>'.",
      undefined,
      {
        "WWW-Authenticate": 'Bearer realm="opsdeck"',
      },
    );
  // A JWT bearer names no workspace in its text: the object of the path verifies it (its
  // keys, `aud`), so another workspace's JWT is simply invalid there.
  if (credential.kind === "token" && looksLikeJwt(credential.secret)) return { id, credential };
  const owner = workspaceOfSecret(credential.secret);
  // Only a well-formed credential of another workspace is a 404 (its existence stays
  // hidden); a JWT or other garbage names no workspace at all and is simply invalid.
  if (owner === undefined || !WorkspaceSlug.safeParse(owner).success) throw invalidCredential();
  if (owner !== id) throw new ApiError(404, "not_found", "No such workspace.");
  return { id, credential };
}

/**
 * Authenticates the caller against the workspace in the path and requires `minRole`.
 * A credential minted for another workspace is refused without touching any object.
 * @example app.get("/w/:workspace/api/alerts", authorize("viewer"), handler)
 */
export function authorize(minRole: Role, options: { allowTicket?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const assertion = accessOnly(c, options.allowTicket ?? false);
    if (assertion) await signInWithAccess(c, workspaceParam(c), assertion, invalidCredential);
    const { id, credential } = vetCredential(c, options.allowTicket ?? false);
    // A cookie is ours alone: a write must come from our origin, and so must any request
    // that names an Origin (cross-origin clients use bearer tokens, see middleware/cors.ts).
    if (
      credential.kind === "session" &&
      (!SAFE_METHODS.has(c.req.method) || c.req.header("Origin") !== undefined)
    )
      assertSameOrigin(c);
    // An unknown workspace answers exactly as a wrong credential does, and no object is named.
    const stub = await workspaceStub(c.env, id, clientIp(c.req), invalidCredential);
    const principal = await authenticateMetered(stub, credential, c.req.method);
    if (!principal) throw invalidCredential();
    // A member's role changed since this session began: it is swapped for a fresh one now,
    // on this response (the old id keeps working a few seconds for requests in flight).
    if (principal.renewSession && credential.kind === "session") {
      const renewed = await stub.renewMemberSession(credential.secret);
      if (renewed) {
        setSessionCookie(c, id, renewed.session, renewed.expiresAt);
        c.set("renewedSession", renewed.session);
      }
    }
    if (ROLE_RANK[principal.role] < ROLE_RANK[minRole]) {
      throw new ApiError(
        403,
        "forbidden",
        `This needs the ${minRole} role; '${principal.name}' is ${principal.role}.`,
      );
    }
    c.set("workspace", { id, stub });
    c.set("principal", principal);
    c.set("credentialKind", credential.kind);
    // Only now is the body read: a stranger's request is refused without parsing it.
    await readJsonBody(c);
    // Here, not as app middleware: keys are scoped to the caller, known only from this point.
    return withIdempotency(c, next);
  });
}
