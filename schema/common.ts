import { z } from "zod";

/** Health of anything the dashboard shows: a metric, a service, a source. */
export const HealthStatus = z.enum(["healthy", "warning", "critical", "offline"]);
export type HealthStatus = z.infer<typeof HealthStatus>;

export const Severity = z.enum(["info", "warning", "error", "critical"]);
export type Severity = z.infer<typeof Severity>;

export const Trend = z.enum(["up", "down", "stable"]);
export type Trend = z.infer<typeof Trend>;

/** ISO-8601 instant as the wire carries it. */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

/** Workspace slugs appear in URLs and Durable Object names. */
export const WorkspaceSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "2–63 characters: lowercase letters, digits and '-'");
export type WorkspaceSlug = z.infer<typeof WorkspaceSlug>;

/** Record ids: opaque, URL-safe, bounded (rejects traversal like `..%2F`). */
export const RecordId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, "letters, digits and . _ : @ - only")
  .refine((s) => s !== "." && s !== "..", "not a path segment");
export type RecordId = z.infer<typeof RecordId>;

/** Free text from people or senders: bounded, no NUL. */
export const Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");

export const TimeRange = z.enum(["1h", "24h", "7d", "30d"]);
export type TimeRange = z.infer<typeof TimeRange>;

/** Where a record came from and when, so the screen can say how old a value is. */
export const Provenance = {
  source: z.string().max(100),
  updatedAt: Timestamp.optional(),
};
