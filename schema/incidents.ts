import { z } from "zod";
import { Alert } from "./alerts";
import { Truncation } from "./budgets";
import { RecordId, Severity, Text, Timestamp } from "./common";
import { Actor } from "./members";

/**
 * Lifecycle: forward through investigating → identified → monitoring → resolved (steps may
 * be skipped), the same status again to post an update, and a reopen resolved → investigating.
 */
export const IncidentStatus = z.enum(["investigating", "identified", "monitoring", "resolved"]);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const IncidentUpdate = z.object({
  at: Timestamp,
  by: z.string().max(200),
  /** Who posted it, as a member or a token (absent on entries written before). */
  actor: Actor.optional(),
  status: IncidentStatus,
  message: z.string().max(10_000),
});
export type IncidentUpdate = z.infer<typeof IncidentUpdate>;

/** What an incident says as a contract `Alert` when the stored record does not: see below. */
const INCIDENT_SOURCE = "opsdeck";

/**
 * The contract `Alert` fields an incident carries next to its own (`GET api/incidents` items
 * read as alerts): `message` is its description, `timestamp` when it was opened, and
 * `acknowledged` is always true (a person opens an incident, which acknowledges it). They are
 * derived on every read, so rows stored before they existed carry them too; `source` (the
 * sources of the alerts it was opened from) is kept, and reads "opsdeck" for older rows.
 */
function fillAlertFields(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  return {
    ...record,
    message: record.description,
    timestamp: record.createdAt,
    acknowledged: true,
    source: typeof record.source === "string" ? record.source : INCIDENT_SOURCE,
  };
}

export const Incident = z.preprocess(
  fillAlertFields,
  z.object({
    id: RecordId,
    title: z.string().max(500),
    description: z.string().max(10_000),
    severity: Severity,
    status: IncidentStatus,
    alertIds: z.array(RecordId),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    resolvedAt: Timestamp.optional(),
    createdBy: z.string().max(200),
    createdByActor: Actor.optional(),
    /**
     * The newest entries of the timeline (all of them on `GET api/incidents/:id`, up to
     * `TIMELINE_READ_MAX`); each entry is stored in its own row (schema/budgets.ts).
     */
    timeline: z.array(IncidentUpdate),
    /** How many entries the whole timeline has (absent on incidents stored before it). */
    timelineTotal: z.number().int().nonnegative().optional(),
    /** `frame` when a list frame carries this incident abbreviated (schema/budgets.ts). */
    truncated: z.array(Truncation).max(20).optional(),
    /** Contract `Alert.message`: the description. */
    message: z.string().max(10_000),
    /** Contract `Alert.timestamp`: when the incident was opened (`createdAt`). */
    timestamp: Timestamp,
    /** Contract `Alert.acknowledged`: always true, a person opened it. */
    acknowledged: z.boolean(),
    /** Contract `Alert.source`: its alerts' sources ("alertmanager, grafana"). */
    source: z.string().max(300),
  }),
);
export type Incident = z.infer<typeof Incident>;

/** Contract body for `POST api/incidents`; `alertIds` adds incidents from several alerts. */
export const CreateIncidentBody = z
  .object({
    alertId: RecordId.optional(),
    alertIds: z.array(RecordId).min(1).max(100).optional(),
    title: Text(500).min(1),
    description: Text(10_000).default(""),
    severity: Severity,
  })
  .strict()
  .refine((b) => b.alertId !== undefined || b.alertIds !== undefined, {
    message: "name the alert this incident is about: alertId, or alertIds for several",
    path: ["alertId"],
  });
export type CreateIncidentBody = z.infer<typeof CreateIncidentBody>;

/** `POST api/incidents/:id/updates`: a status change (or the same status) with a message. */
export const IncidentUpdateBody = z
  .object({ status: IncidentStatus, message: Text(10_000).default("") })
  .strict();
export type IncidentUpdateBody = z.infer<typeof IncidentUpdateBody>;

export const IncidentQuery = z.object({
  status: z.enum(["open", "resolved"]).optional(),
  severity: Severity.optional(),
});
export type IncidentQuery = z.infer<typeof IncidentQuery>;

/** `GET api/incidents/:id`: the incident and the alerts it groups (those still stored). */
export const IncidentDetail = z.object({ incident: Incident, alerts: z.array(Alert) });
export type IncidentDetail = z.infer<typeof IncidentDetail>;
