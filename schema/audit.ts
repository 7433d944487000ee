import { z } from "zod";
import { Timestamp } from "./common";

/** An audit row as the workspace object returns it: before/after as JSON text. */
export const AuditRecord = z.object({
  id: z.number().int(),
  ts: Timestamp,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** The API shape: before/after parsed back into the values they recorded. */
export const AuditEntry = AuditRecord.extend({
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
