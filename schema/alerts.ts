import { z } from "zod";
import { NOTE_MAX_CHARS, Truncation } from "./budgets";
import { RecordId, Severity, Text, Timestamp } from "./common";
import { Actor } from "./members";

export const AlertStatus = z.enum(["firing", "acknowledged", "resolved", "suppressed"]);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const Link = z.object({ href: z.string().max(2000), text: z.string().max(200) });
export type Link = z.infer<typeof Link>;

/** Contract `Alert` (id…source) plus the normalised lifecycle fields, all additive. */
export const Alert = z.object({
  id: RecordId,
  title: z.string().max(1024),
  message: z.string().max(10_000),
  severity: Severity,
  timestamp: Timestamp,
  acknowledged: z.boolean(),
  source: z.string().max(100),
  status: AlertStatus,
  fingerprint: z.string().max(200).optional(),
  group: z.string().max(1000).optional(),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  links: z.array(Link).default([]),
  runbook: z.string().max(2000).optional(),
  count: z.number().int().nonnegative().default(1),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  resolvedAt: Timestamp.optional(),
  acknowledgedBy: z.string().max(200).optional(),
  acknowledgedAt: Timestamp.optional(),
  /** Who acknowledged it, as a member or a token (absent on alerts acknowledged before). */
  acknowledgedByActor: Actor.optional(),
  notes: z
    .array(z.object({ at: Timestamp, by: z.string(), text: z.string(), actor: Actor.optional() }))
    .default([]),
  incidentId: RecordId.optional(),
  /** Who resolved it by hand (absent when the sender resolved it). */
  resolvedBy: z.string().max(200).optional(),
  resolvedByActor: Actor.optional(),
  /** Dismissed alerts leave every list but stay stored for the audit trail and `GET …/:id`. */
  dismissedAt: Timestamp.optional(),
  dismissedBy: z.string().max(200).optional(),
  dismissedByActor: Actor.optional(),
  /** Active silences and maintenance windows matching this alert (status `suppressed`). */
  silencedBy: z.array(RecordId).max(100).optional(),
  /** PagerDuty-style events: the sender's `dedup_key` that follow-up events refer to. */
  dedupKey: z.string().max(255).optional(),
  /** The webhook integration that delivered this alert. */
  integrationId: RecordId.optional(),
  /**
   * What was cut to fit the size budgets (schema/budgets.ts): a sender's oversized labels or
   * annotations, or `frame` on a list item sent abbreviated (`GET api/alerts/:id` has it all).
   */
  truncated: z.array(Truncation).max(20).optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AcknowledgeAlertBody = z.object({ notes: Text(NOTE_MAX_CHARS).optional() }).strict();
export type AcknowledgeAlertBody = z.infer<typeof AcknowledgeAlertBody>;
