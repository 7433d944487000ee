import { z } from "zod";
import { RecordId, Timestamp } from "./common";
import { Actor } from "./members";

/** An audit row as the workspace object returns it: before/after as JSON text. */
export const AuditRecord = z.object({
  id: z.number().int(),
  ts: Timestamp,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  /** "member" or "token"; null on rows written before actors were recorded. */
  actorKind: z.string().nullable(),
  actorId: z.string().nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** The API shape: before/after parsed back into the values they recorded. */
export const AuditEntry = AuditRecord.omit({ actorKind: true, actorId: true }).extend({
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  /** Who, as a member or a token (absent on entries older than members, which name a token). */
  by: Actor.optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
  /** A member's or a token's id: only the entries they made. */
  actor: RecordId.optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
