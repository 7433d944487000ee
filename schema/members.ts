import { z } from "zod";
import { Email, Role, type Principal } from "./auth";
import { RecordId, Text, Timestamp } from "./common";

/**
 * Who did something, as audit entries, alert acknowledgements and notes, incident timelines
 * and provider actions record it: a person (a workspace member) or a machine (an API token).
 */
export const Actor = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("member"), memberId: RecordId, name: z.string().max(200) }),
  z.object({ kind: z.literal("token"), tokenId: RecordId, name: z.string().max(200) }),
]);
export type Actor = z.infer<typeof Actor>;

/**
 * The one way an actor is derived from the caller the workspace object resolved (the
 * request's credential): a member's session names the member, anything else its token.
 * @example actorOf(principal) // { kind: "member", memberId: "…", name: "Alice" }
 */
export function actorOf(principal: Principal): Actor {
  return principal.memberId !== undefined
    ? { kind: "member", memberId: principal.memberId, name: principal.name }
    : { kind: "token", tokenId: principal.tokenId, name: principal.name };
}

export const MemberName = Text(100)
  .min(1)
  .regex(/^[\p{L}\p{N}\p{M} .,'_@-]+$/u, "letters, digits, spaces and . , ' _ @ - only");

export const Member = z.object({
  id: RecordId,
  email: z.string(),
  name: z.string(),
  role: Role,
  createdAt: Timestamp,
  /** Updated at most once a minute while the member makes requests. */
  lastSeenAt: Timestamp,
  disabledAt: Timestamp.optional(),
});
export type Member = z.infer<typeof Member>;

/**
 * How a member signs in, besides the session an invitation opens. Passkeys and single sign-on
 * attach here (one row per credential in `member_credentials`); none exist yet.
 */
export const MemberCredentialKind = z.enum(["passkey", "oidc"]);
export type MemberCredentialKind = z.infer<typeof MemberCredentialKind>;

export const UpdateMemberBody = z
  .object({ role: Role.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, {
    message: "send role, disabled, or both",
  });
export type UpdateMemberBody = z.infer<typeof UpdateMemberBody>;

export const CreateInvitationBody = z.object({ email: Email, role: Role }).strict();
export type CreateInvitationBody = z.infer<typeof CreateInvitationBody>;

/** An open invitation (never its secret, which only the `POST` response shows). */
export const Invitation = z.object({
  id: RecordId,
  email: z.string(),
  role: Role,
  createdAt: Timestamp,
  createdBy: Actor,
  expiresAt: Timestamp,
});
export type Invitation = z.infer<typeof Invitation>;

/** A new invitation with its single-use secret and the link that carries it: shown once. */
export const IssuedInvitation = Invitation.extend({ token: z.string(), link: z.string() });
export type IssuedInvitation = z.infer<typeof IssuedInvitation>;

/** Invitation secrets are `odi.<workspace>.<random>`, like every Opsdeck credential. */
export const AcceptInvitationBody = z
  .object({ token: z.string().min(1).max(200), name: MemberName })
  .strict();
export type AcceptInvitationBody = z.infer<typeof AcceptInvitationBody>;

/** One of the caller's own browser sessions (`GET api/me/sessions`); never its secret. */
export const MemberSession = z.object({
  id: RecordId,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  /** "Firefox on Linux" and the like, from the User-Agent at sign-in. */
  userAgent: z.string(),
  current: z.boolean(),
});
export type MemberSession = z.infer<typeof MemberSession>;

/** `GET api/me`: the caller as the workspace knows them. A token caller has no member. */
export const Me = z.object({
  actor: Actor,
  role: Role,
  member: Member.optional(),
  credentials: z.array(MemberCredentialKind).optional(),
});
export type Me = z.infer<typeof Me>;

/** `GET api/audit?actor=<member or token id>`: one person's (or machine's) entries. */
export const AuditActorFilter = RecordId;

/**
 * A member as every socket sees them (the `members` frame and the snapshot): enough to name
 * and link who did something, never their address.
 */
export const MemberSummary = Member.pick({ id: true, name: true, role: true, disabledAt: true });
export type MemberSummary = z.infer<typeof MemberSummary>;
