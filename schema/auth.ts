import { z } from "zod";
import { RecordId, Text, Timestamp, WorkspaceSlug } from "./common";

/** Ordered: each role can do everything the ones before it can. */
export const Role = z.enum(["viewer", "operator", "admin"]);
export type Role = z.infer<typeof Role>;

export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** API token (`odk.…`), browser session (`ods.…`) or one-use socket ticket (`odt.…`). */
export const CredentialKind = z.enum(["token", "session", "ticket"]);
export type CredentialKind = z.infer<typeof CredentialKind>;

/**
 * A credential as the Worker received it; the workspace object resolves it to a principal.
 * Parsed where it crosses as text: the socket upgrade's `CREDENTIAL_HEADER`.
 */
export const Credential = z.object({
  kind: CredentialKind,
  secret: z.string().min(1).max(300),
});
export type Credential = z.infer<typeof Credential>;

/**
 * Who is calling, as the workspace object resolved it. Recorded in the audit trail.
 * `tokenId` is the key every per-caller limit counts by (rate limits, socket caps,
 * idempotency keys): a token's id, or for a member's session the member's id (both UUIDs),
 * which `memberId` then repeats, so code that only knows tokens keeps working for members.
 * Derive who to name with `actorOf` (schema/members.ts).
 */
export const Principal = z.object({
  tokenId: RecordId,
  name: z.string(),
  role: Role,
  /** Set when a member signed in as themselves (a member session, or its socket ticket). */
  memberId: RecordId.optional(),
  /**
   * The member's browser session predates a role change: the Worker swaps it for a fresh one
   * (`rotateMemberSession`) and sets the new cookie on this very response.
   */
  renewSession: z.literal(true).optional(),
});
export type Principal = z.infer<typeof Principal>;

export const ApiToken = z.object({
  id: RecordId,
  name: z.string(),
  role: Role,
  createdAt: Timestamp,
  createdBy: z.string(),
  lastUsedAt: Timestamp.optional(),
  revokedAt: Timestamp.optional(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const TokenName = Text(100)
  .min(1)
  .regex(/^[\p{L}\p{N} ._@-]+$/u, "letters, digits, spaces and . _ @ - only");

export const CreateTokenBody = z.object({ name: TokenName, role: Role }).strict();
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** A freshly minted token: the only time its secret is ever shown. */
export const IssuedToken = ApiToken.extend({ token: z.string() });
export type IssuedToken = z.infer<typeof IssuedToken>;

/** Addresses are compared lower-cased, so one person cannot be a member twice. */
export const Email = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());

export const CreateWorkspaceBody = z
  .object({
    id: WorkspaceSlug,
    name: Text(200).min(1),
    adminName: TokenName.default("admin"),
    /**
     * The person creating the workspace: they get an admin invitation (in the response, once)
     * whose acceptance makes them the workspace's first admin member.
     */
    admin: z
      .object({
        email: Email,
      })
      .strict()
      .optional(),
  })
  .strict();
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>;

export const WorkspaceInfo = z.object({
  id: WorkspaceSlug,
  name: z.string(),
  createdAt: Timestamp,
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

export const LoginBody = z.object({ token: z.string().min(1).max(200) }).strict();
export type LoginBody = z.infer<typeof LoginBody>;

/**
 * Sign-in attempts as counted by the workspace object (`GET /metrics`): failures are
 * persisted as aggregated counters; refusals by the rate limit are counted in memory since
 * the object last woke (a reset is an ordinary counter reset to Prometheus).
 */
export const LoginStats = z.object({
  failedTotal: z.number().int().nonnegative(),
  failedLastHour: z.number().int().nonnegative(),
  limitedByClient: z.number().int().nonnegative(),
  limitedByWorkspace: z.number().int().nonnegative(),
});
export type LoginStats = z.infer<typeof LoginStats>;
