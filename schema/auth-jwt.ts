import { z } from "zod";
import { Email, Role } from "./auth";
import { RecordId, Text, Timestamp, WorkspaceSlug } from "./common";
import { Member, MemberName } from "./members";

/** A JWT bearer lives this long: short, so a revoked subject's token dies soon anyway. */
export const JWT_TTL_SECONDS = 15 * 60;
/** A workspace's signing key is replaced this often (by the `jwt:rotate` alarm task). */
export const JWT_KEY_ROTATE_MS = 24 * 60 * 60_000;
/** Clock skew accepted on `exp`/`nbf`, and kept on top of the TTL before a retired key goes. */
export const JWT_CLOCK_SKEW_SECONDS = 30;
/**
 * Signing keys kept per workspace: the current one and those retired less than a token's
 * life ago (normally one). Beyond this the oldest retired key is deleted at rotation.
 */
export const JWT_KEYS_MAX = 3;

/** `POST /auth/login`: an API token in the body, or (no token) the member session cookie. */
export const AuthLoginBody = z
  .object({ workspace: WorkspaceSlug, token: z.string().min(1).max(200).optional() })
  .strict();
export type AuthLoginBody = z.infer<typeof AuthLoginBody>;

/** `POST /auth/register`: only with an invitation (its secret), as `invitations/accept`. */
export const AuthRegisterBody = z
  .object({ workspace: WorkspaceSlug, invitation: z.string().min(1).max(200), name: MemberName })
  .strict();
export type AuthRegisterBody = z.infer<typeof AuthRegisterBody>;

/** Who a JWT speaks for: a member (as themselves) or an API token. */
export const JwtSubject = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("member"), id: RecordId, name: z.string(), email: Email }),
  z.object({ kind: z.literal("token"), id: RecordId, name: z.string() }),
]);
export type JwtSubject = z.infer<typeof JwtSubject>;

/** A freshly signed bearer JWT, as `/auth/login` and `/auth/register` answer it. */
export const IssuedJwt = z.object({
  accessToken: z.string(),
  tokenType: z.literal("Bearer"),
  /** Seconds until it expires. */
  expiresIn: z.number().int().positive(),
  expiresAt: Timestamp,
  role: Role,
  member: z.object({ id: RecordId, name: z.string(), email: Email }).optional(),
  token: z.object({ id: RecordId, name: z.string() }).optional(),
});
export type IssuedJwt = z.infer<typeof IssuedJwt>;

/** `POST /auth/register`'s answer: the new member, their session's expiry and a JWT. */
export const AuthRegistered = IssuedJwt.extend({ member: Member, sessionExpiresAt: Timestamp });
export type AuthRegistered = z.infer<typeof AuthRegistered>;

/** `GET /auth/verify`: who the credential speaks for, and until when. */
export const AuthVerified = z.object({
  workspace: WorkspaceSlug,
  role: Role,
  member: z.object({ id: RecordId, name: z.string(), email: Email }).optional(),
  token: z.object({ id: RecordId, name: z.string() }).optional(),
  expiresAt: Timestamp.optional(),
});
export type AuthVerified = z.infer<typeof AuthVerified>;

/** One public key of `/w/:workspace/.well-known/jwks.json` (RFC 7517). */
export const PublicJwk = z
  .object({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: Text(100),
    y: Text(100),
    kid: Text(100),
    alg: z.literal("ES256"),
    use: z.literal("sig"),
  })
  .strict();
export type PublicJwk = z.infer<typeof PublicJwk>;
export const Jwks = z.object({ keys: z.array(PublicJwk) });
export type Jwks = z.infer<typeof Jwks>;
