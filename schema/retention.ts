import { z } from "zod";

/**
 * How long a workspace keeps its audit trail, in days. Per workspace (`PUT api/settings`
 * `retention.auditDays`, admin only): compliance needs differ, so the owner decides, within
 * bounds. At least 30 days, so an attacker who gains admin cannot wipe yesterday's trail by
 * lowering it; at most 10 years.
 */
export const AuditDays = z.number().int().min(30).max(3650);

/** Defaults when a workspace has never set its retention. */
export const RETENTION_DEFAULTS = { auditDays: 90 } as const;

/** Retention as read back in the settings view. */
export const RetentionSettings = z.object({ auditDays: AuditDays });
export type RetentionSettings = z.infer<typeof RetentionSettings>;

/** A retention update: omitted fields keep their current value. */
export const RetentionInput = RetentionSettings.strict().partial();
export type RetentionInput = z.infer<typeof RetentionInput>;

/** Rows and payload bytes of one SQLite table (or one kind in `records`), for `/metrics`. */
export const TableUsage = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  /** Sum of the stored lengths of the table's columns (text in UTF-8 bytes). */
  bytes: z.number().int().nonnegative(),
});
export type TableUsage = z.infer<typeof TableUsage>;

/** What `/metrics` reports about storage: each table, and `records` split by kind. */
export const StorageUsage = z.object({
  tables: z.array(TableUsage),
  records: z.array(TableUsage),
  /** When this was counted (it is cached briefly: each count reads every row). */
  countedAt: z.string(),
});
export type StorageUsage = z.infer<typeof StorageUsage>;
