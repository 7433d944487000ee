/** A JWS compact serialization is far below this; anything longer is refused unread. */
export const JWT_MAX_CHARS = 2048;

/**
 * Whether a bearer credential is shaped like a JWT (three base64url parts, the first two JSON
 * objects) rather than an Opsdeck secret (`odk.<workspace>.<random>`). Shape only: nothing
 * is trusted until the workspace object verifies the signature.
 * @example looksLikeJwt("eyJhbGciOi….eyJzdWIiOi….c2ln") // true
 */
export function looksLikeJwt(credential: string): boolean {
  return (
    credential.length <= JWT_MAX_CHARS &&
    /^eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(credential)
  );
}

/** The audience a workspace's JWTs carry (`aud`), which also names it for routing. */
export const jwtAudience = (workspace: string) => `opsdeck:${workspace}:api`;
/** The issuer a workspace's JWTs carry (`iss`). */
export const jwtIssuer = (workspace: string) => `opsdeck:${workspace}`;

/**
 * The workspace an (unverified) JWT claims to be for, read from its `aud`, only to pick the
 * object that then verifies it. Undefined for anything unreadable.
 */
export function claimedWorkspace(jwt: string): string | undefined {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const text = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(text);
    if (typeof claims !== "object" || claims === null || !("aud" in claims)) return undefined;
    const aud = claims.aud;
    const match = typeof aud === "string" ? /^opsdeck:([^:]+):api$/.exec(aud) : null;
    return match?.[1];
  } catch {
    return undefined;
  }
}
