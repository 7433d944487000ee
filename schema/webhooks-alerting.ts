import { z } from "zod";
import { RecordId, Text, Timestamp } from "./common";
import {
  LABEL_PATTERN_MAX_LENGTH,
  labelPatternMatches,
  labelPatternProblem,
} from "./label-matcher";
import { fail, type FieldIssue, type Outcome } from "./problem";

// ── Shared pieces ─────────────────────────────────────────────────────────────────────

/** Go's zero `time.Time`: how Alertmanager and Grafana write "no end yet". */
export const ZERO_TIME_MS = Date.parse("0001-01-01T00:00:00Z");

/** True when `endsAt` is absent or Go's zero time. */
export function isUnset(endsAt: string | undefined): boolean {
  return endsAt === undefined || Date.parse(endsAt) <= ZERO_TIME_MS;
}

const Rfc3339 = z.iso.datetime({
  offset: true,
  error: "must be an RFC 3339 timestamp such as 2024-05-01T10:00:00Z",
});

/**
 * Prometheus label sets and annotations: string to string. Not bounded per entry here: a 4xx
 * makes Alertmanager drop the whole notification, so an oversized set is stored cut to its
 * budget with a mark (domain/alert-budget.ts); the body cap bounds what is read. Stored values
 * (at most 8 kB) stay under the matcher's input cap (label-matcher.ts), so every stored label can be matched.
 */
const LabelSet = z.record(z.string(), z.string());

/** Alertmanager sends at most this many alerts we accept in one notification. */
export const MAX_ALERTS_PER_DELIVERY = 1000;

/** Body caps: room for 1000 typical alerts; PagerDuty documents 512 KB for its Events API. */
export const ALERT_HOOK_MAX_BYTES = 2 * 1024 * 1024;
export const PAGERDUTY_MAX_BYTES = 512 * 1024;

const AlertStatusWire = z.enum(["firing", "resolved"]);

const alertShape = {
  status: AlertStatusWire,
  labels: LabelSet,
  annotations: LabelSet.default({}),
  startsAt: Rfc3339,
  endsAt: Rfc3339.optional(),
  generatorURL: z.string().max(8000).default(""),
  fingerprint: z.string().min(1).max(200),
};

function endsAfterStart(alert: { startsAt: string; endsAt?: string }, ctx: z.RefinementCtx) {
  if (!isUnset(alert.endsAt) && Date.parse(alert.endsAt!) < Date.parse(alert.startsAt)) {
    ctx.addIssue({ code: "custom", path: ["endsAt"], message: "endsAt is before startsAt" });
  }
}

const groupShape = {
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: AlertStatusWire,
  receiver: z.string().max(1000).default(""),
  groupLabels: LabelSet.default({}),
  commonLabels: LabelSet.default({}),
  commonAnnotations: LabelSet.default({}),
  externalURL: z.string().max(8000).default(""),
};

// ── Alertmanager (webhook payload version 4) ──────────────────────────────────────────

/** One alert of an Alertmanager notification. Unknown fields are tolerated (and dropped). */
export const AlertmanagerAlert = z.object(alertShape).superRefine(endsAfterStart);
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

/**
 * Alertmanager's webhook body (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Newer versions add fields such as `notification_reason` and `routeLabels`: tolerated.
 */
export const AlertmanagerPayload = z.object({
  version: z.literal("4", { error: 'must be "4" (Alertmanager webhook payload version 4)' }),
  groupKey: z.string().min(1).max(10_000),
  ...groupShape,
  alerts: z.array(AlertmanagerAlert).max(MAX_ALERTS_PER_DELIVERY),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayload>;

// ── Grafana alerting (webhook contact point, payload version 1) ───────────────────────

export const GrafanaAlert = z
  .object({
    ...alertShape,
    silenceURL: z.string().max(8000).optional(),
    dashboardURL: z.string().max(8000).optional(),
    panelURL: z.string().max(8000).optional(),
    imageURL: z.string().max(8000).optional(),
    values: z.record(z.string(), z.number().nullable()).nullable().optional(),
    valueString: z.string().max(16_384).optional(),
  })
  .superRefine(endsAfterStart);
export type GrafanaAlert = z.infer<typeof GrafanaAlert>;

/** Alertmanager-shaped, plus `orgId`, `title`, `state` and `message` (Grafana's own fields). */
export const GrafanaPayload = z.object({
  version: z.literal("1", { error: 'must be "1" (Grafana webhook payload version 1)' }),
  groupKey: z.string().min(1).max(10_000).default("grafana"),
  ...groupShape,
  orgId: z.number().int().optional(),
  title: z.string().max(16_384).optional(),
  state: z.string().max(100).optional(),
  message: z.string().max(65_536).optional(),
  alerts: z.array(GrafanaAlert).max(MAX_ALERTS_PER_DELIVERY),
});
export type GrafanaPayload = z.infer<typeof GrafanaPayload>;

// ── PagerDuty Events API v2 compatible ────────────────────────────────────────────────

/**
 * PagerDuty's examples write offsets without a colon (`2015-07-17T08:42:58.315+0000`), which
 * RFC 3339 does not allow: accept ISO 8601 date-times with either offset form.
 */
const Iso8601 = z
  .string()
  .max(64)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/,
    "must be an ISO 8601 date-time such as 2015-07-17T08:42:58.315+0000",
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), "is not a valid date-time");

export const PagerDutySeverity = z.enum(["critical", "error", "warning", "info"]);

export const PagerDutyPayload = z.object({
  summary: z.string().trim().min(1, "is missing or blank").max(1024),
  source: z.string().trim().min(1, "is missing or blank").max(1024),
  severity: PagerDutySeverity,
  timestamp: Iso8601.optional(),
  component: z.string().max(1024).optional(),
  group: z.string().max(1024).optional(),
  class: z.string().max(1024).optional(),
  custom_details: z.unknown().optional(),
});

const PagerDutyLink = z.object({
  href: z.string().max(2000),
  text: z.string().max(1024).optional(),
});
const PagerDutyImage = z.object({
  src: z.string().max(2000),
  href: z.string().max(2000).optional(),
  alt: z.string().max(1024).optional(),
});

const envelope = {
  routing_key: z.string().min(1).max(200),
  images: z.array(PagerDutyImage).max(50).optional(),
  links: z.array(PagerDutyLink).max(50).optional(),
  client: z.string().max(1024).optional(),
  client_url: z.string().max(2000).optional(),
};

const DedupKey = z.string().min(1).max(255, "must be at most 255 characters");

/** `POST /v2/enqueue`. A trigger needs a payload; acknowledge and resolve need a `dedup_key`. */
export const PagerDutyEvent = z.discriminatedUnion(
  "event_action",
  [
    z.object({
      ...envelope,
      event_action: z.literal("trigger"),
      dedup_key: DedupKey.optional(),
      payload: PagerDutyPayload,
    }),
    z.object({
      ...envelope,
      event_action: z.enum(["acknowledge", "resolve"]),
      dedup_key: DedupKey,
      // Follow-up events may repeat the trigger's payload (Alertmanager does); it is not used.
      payload: z.unknown().optional(),
    }),
  ],
  { error: "must be one of trigger, acknowledge, resolve" },
);
export type PagerDutyEvent = z.infer<typeof PagerDutyEvent>;

/** `POST /v2/change/enqueue`: a change (deploy) event for the activity feed. */
export const PagerDutyChangeEvent = z.object({
  routing_key: z.string().min(1).max(200),
  payload: z.object({
    summary: z.string().trim().min(1, "is missing or blank").max(1024),
    source: z.string().max(1024).optional(),
    timestamp: Iso8601.optional(),
    custom_details: z.unknown().optional(),
  }),
  links: z.array(PagerDutyLink).max(50).optional(),
});
export type PagerDutyChangeEvent = z.infer<typeof PagerDutyChangeEvent>;

/** PagerDuty's own response shape (not problem+json), so its clients understand us. */
export const PagerDutyResponse = z.object({
  status: z.string(),
  message: z.string(),
  dedup_key: z.string().optional(),
  errors: z.array(z.string()).optional(),
});
export type PagerDutyResponse = z.infer<typeof PagerDutyResponse>;

/** The open alert a PagerDuty `dedup_key` currently refers to, per integration. */
export const PagerDutyOpenAlert = z.object({
  id: RecordId,
  dedupKey: z.string().max(255),
  alertId: RecordId,
  /** The trigger came without a `dedup_key` and we made one up: pruned by age and count. */
  generated: z.boolean().optional(),
});
export type PagerDutyOpenAlert = z.infer<typeof PagerDutyOpenAlert>;

// ── Delivery results ──────────────────────────────────────────────────────────────────

/** Zod issues as `{ path, message }` with paths like `json.alerts.0.startsAt`. */
export function issuesOf(error: z.ZodError, prefix = "json"): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...(prefix ? [prefix] : []), ...issue.path.map(String)].join(".") || "(body)",
    message: issue.message,
  }));
}

/** A body the Worker could not accept, or the validated payload. */
export function validated<S extends z.ZodType>(
  schema: S,
  body: unknown,
  what: string,
  prefix = "json",
): Outcome<z.infer<S>> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = issuesOf(parsed.error, prefix);
  const first = issues[0];
  const detail = `Not a valid ${what}${first ? `: ${first.path} ${first.message}` : ""}.`;
  return fail(400, "validation_failed", detail, { issues });
}

export const AlertBatchResult = z.object({
  status: z.literal("success"),
  outcome: z.enum(["accepted", "ignored"]),
  created: z.number().int().nonnegative(),
  repeated: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
  suppressed: z.number().int().nonnegative(),
  /** Alerts stored with labels or annotations cut to their budget (schema/budgets.ts). */
  truncated: z.number().int().nonnegative().optional(),
});
export type AlertBatchResult = z.infer<typeof AlertBatchResult>;

export const PagerDutyResult = z.object({
  outcome: z.enum(["accepted", "ignored"]),
  dedupKey: z.string(),
  alertId: RecordId.optional(),
});
export type PagerDutyResult = z.infer<typeof PagerDutyResult>;

// ── Silences and maintenance windows ──────────────────────────────────────────────────

/** Alertmanager's matcher operators: equal, not equal, regex match, regex non-match. */
export const MatchOp = z.enum(["=", "!=", "=~", "!~"]);
export type MatchOp = z.infer<typeof MatchOp>;

/**
 * `{ name, op, value }`; regex values are RE2, anchored at both ends, as in Alertmanager
 * (schema/label-matcher.ts compiles and runs them in linear time).
 */
const LabelMatcherShape = z
  .object({
    name: Text(256).min(1),
    op: MatchOp,
    value: Text(LABEL_PATTERN_MAX_LENGTH),
  })
  .strict();

export const LabelMatcher = LabelMatcherShape.superRefine((m, ctx) => {
  if (m.op !== "=~" && m.op !== "!~") return;
  const problem = labelPatternProblem(m.value);
  if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
});
export type LabelMatcher = z.infer<typeof LabelMatcher>;

/** True when the matcher accepts an alert whose `labels` are given (a missing label is ""). */
export function matcherMatches(m: LabelMatcher, labels: Record<string, string>): boolean {
  const value = labels[m.name] ?? "";
  switch (m.op) {
    case "=":
      return value === m.value;
    case "!=":
      return value !== m.value;
    case "=~":
      return labelPatternMatches(m.value, value);
    case "!~":
      return !labelPatternMatches(m.value, value);
  }
}

export const SilenceKind = z.enum(["silence", "maintenance"]);
export type SilenceKind = z.infer<typeof SilenceKind>;

export const SilenceState = z.enum(["pending", "active", "expired"]);
export type SilenceState = z.infer<typeof SilenceState>;

/** A silence (label matchers) or a maintenance window (a time range, optionally matchers). */
export const SilenceRecord = z.object({
  id: RecordId,
  kind: SilenceKind,
  name: z.string().max(200).optional(),
  // Patterns are checked when a silence is created; a stored one written under an older,
  // looser check stays readable (and its pattern matches nothing: label-matcher.ts).
  matchers: z.array(LabelMatcherShape).max(20),
  startsAt: Timestamp,
  endsAt: Timestamp,
  comment: z.string().max(1000),
  createdBy: z.string().max(200),
  createdAt: Timestamp,
  expiredBy: z.string().max(200).optional(),
  expiredAt: Timestamp.optional(),
});
export type SilenceRecord = z.infer<typeof SilenceRecord>;

/** As read: the state is derived from the times (pending before `startsAt`, expired from `endsAt`). */
export const Silence = SilenceRecord.extend({ state: SilenceState });
export type Silence = z.infer<typeof Silence>;

/** Longest silence or window accepted: a year. */
const MAX_DURATION_MS = 366 * 86_400_000;

function timeRange(body: { startsAt?: string; endsAt: string }, ctx: z.RefinementCtx) {
  const starts = body.startsAt === undefined ? undefined : Date.parse(body.startsAt);
  const ends = Date.parse(body.endsAt);
  if (starts !== undefined && ends <= starts)
    ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
  if (starts !== undefined && ends - starts > MAX_DURATION_MS)
    ctx.addIssue({
      code: "custom",
      path: ["endsAt"],
      message: "must be within a year of startsAt",
    });
}

/** `POST api/silences`. `startsAt` defaults to now. */
export const CreateSilenceBody = z
  .object({
    matchers: z.array(LabelMatcher).min(1).max(20),
    startsAt: Timestamp.optional(),
    endsAt: Timestamp,
    comment: Text(1000).trim().min(1, "say why the alerts are silenced"),
  })
  .strict()
  .superRefine(timeRange)
  .superRefine((body, ctx) => {
    // As Alertmanager: a silence whose every matcher matches an empty label silences
    // everything; that is what a maintenance window is for.
    if (body.matchers.every((m) => matcherMatches(m, {})))
      ctx.addIssue({
        code: "custom",
        path: ["matchers"],
        message: "at least one matcher must not match an empty or missing label",
      });
  });
export type CreateSilenceBody = z.infer<typeof CreateSilenceBody>;

/** `POST api/maintenance`. Without matchers the window suppresses every alert. */
export const CreateMaintenanceBody = z
  .object({
    name: Text(200).trim().min(1),
    matchers: z.array(LabelMatcher).max(20).default([]),
    startsAt: Timestamp,
    endsAt: Timestamp,
    comment: Text(1000).trim().min(1, "say why"),
  })
  .strict()
  .superRefine(timeRange);
export type CreateMaintenanceBody = z.infer<typeof CreateMaintenanceBody>;

export const SilenceQuery = z.object({ state: SilenceState.optional() });
export type SilenceQuery = z.infer<typeof SilenceQuery>;

/** A request body as a JSON object, or the 400 `invalid_json` a sender can act on. */
export function decodeJsonObject(body: Uint8Array): Outcome<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return fail(400, "invalid_json", "The body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail(400, "invalid_json", "The body must be a JSON object.");
  return { ok: true, value: value as Record<string, unknown> };
}
