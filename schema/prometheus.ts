import { z } from "zod";
import { Text, Timestamp } from "./common";
import { SourceStatus } from "./sources";

// ── Limits ────────────────────────────────────────────────────────────────────────────

/** Cards per workspace: each costs one instant query per collection run. */
export const MAX_PROM_CARDS = 10;
/** Series one card may turn into; the rest of a wide vector is counted and reported. */
export const MAX_PROM_SERIES_PER_CARD = 20;
/** Warnings kept per card report (Prometheus may send many). */
export const MAX_PROM_WARNINGS = 5;

// ── Configuration ─────────────────────────────────────────────────────────────────────

/**
 * A card's id: it prefixes the ids of the metric series the card writes (`<card>` for a
 * single unlabelled series, `<card>:<labels>` for each series of a vector).
 */
export const PromCardId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, "1–60 lowercase letters, digits, _ or -, e.g. http-rate");

/**
 * When a card's series turn warning or critical: above (or below) these values. They become
 * alert rules on each of the card's series, judged like any rule (`GET api/alert-rules` lists
 * only rules made by hand; these live with the card).
 */
export const PromThresholds = z
  .object({
    direction: z.enum(["above", "below"]).default("above"),
    warning: z.number().finite().min(-1e15).max(1e15).optional(),
    critical: z.number().finite().min(-1e15).max(1e15).optional(),
  })
  .strict()
  .refine((t) => t.warning !== undefined || t.critical !== undefined, {
    message: "give warning, critical or both",
  });
export type PromThresholds = z.infer<typeof PromThresholds>;

/** One metric card: a PromQL expression evaluated on every collection run. */
export const PromCard = z
  .object({
    id: PromCardId,
    label: Text(120).trim().min(1),
    query: Text(2000).trim().min(1, "a PromQL expression such as up"),
    unit: Text(20).optional(),
    thresholds: PromThresholds.optional(),
  })
  .strict();
export type PromCard = z.infer<typeof PromCard>;

/** Bearer token (Prometheus behind a proxy, Grafana Cloud, Mimir) or basic auth. */
export const PromAuth = z.discriminatedUnion("type", [
  z
    .object({ type: z.literal("bearer"), token: Text(4000).min(1).regex(/^\S+$/, "no spaces") })
    .strict(),
  z
    .object({
      type: z.literal("basic"),
      username: Text(200)
        .min(1)
        .regex(/^[^:]+$/, "no colon"),
      password: Text(1000).min(1),
    })
    .strict(),
]);
export type PromAuth = z.infer<typeof PromAuth>;

const uniqueIds = (cards: { id: string }[]) =>
  new Set(cards.map((c) => c.id)).size === cards.length;

/**
 * `PUT api/integrations/prometheus`. Like every integration secret, omitting `auth` keeps the
 * stored credential and `null` clears it; `cards` replaces the list when given.
 */
export const PrometheusIntegrationInput = z
  .object({
    enabled: z.boolean(),
    baseUrl: Text(2000).min(1),
    auth: PromAuth.nullable().optional(),
    /** Mimir and Cortex tenants: sent as `X-Scope-OrgID`. */
    orgId: Text(200)
      .regex(/^[A-Za-z0-9!._*'()-]+$/, "a Mimir tenant id")
      .nullable()
      .optional(),
    cards: z
      .array(PromCard)
      .max(MAX_PROM_CARDS)
      .refine(uniqueIds, "give each card its own id")
      .optional(),
  })
  .strict();
export type PrometheusIntegrationInput = z.infer<typeof PrometheusIntegrationInput>;

/** What the last run saw for a card: series kept, dropped and skipped, and what Prometheus said. */
export const PromCardReport = z.object({
  at: Timestamp,
  resultType: z.enum(["vector", "matrix", "scalar", "string"]).optional(),
  series: z.number().int().nonnegative(),
  /** Series past MAX_PROM_SERIES_PER_CARD, not stored. */
  droppedSeries: z.number().int().nonnegative(),
  /** `NaN`, `+Inf` and `-Inf` samples, not stored (a metric value must be finite). */
  nonFinite: z.number().int().nonnegative(),
  warnings: z.array(z.string().max(500)).max(MAX_PROM_WARNINGS),
  error: z.string().max(1000).optional(),
});
export type PromCardReport = z.infer<typeof PromCardReport>;

/** Stored form: the credential sealed like every other secret. */
export const StoredPrometheus = z.object({
  enabled: z.boolean(),
  baseUrl: z.string(),
  authType: z.enum(["none", "bearer", "basic"]),
  authSealed: z.string().optional(),
  orgId: z.string().optional(),
  cards: z.array(PromCard),
  reports: z.record(z.string(), PromCardReport).default({}),
});
export type StoredPrometheus = z.infer<typeof StoredPrometheus>;

/** `GET api/integrations/prometheus`: the credential only as its kind, never its value. */
export const PrometheusIntegration = z.object({
  enabled: z.boolean(),
  baseUrl: z.string().optional(),
  authType: z.enum(["none", "bearer", "basic"]),
  credentialSet: z.boolean(),
  orgId: z.string().optional(),
  cards: z.array(PromCard.extend({ report: PromCardReport.optional() })),
  limits: z.object({ cards: z.number().int(), seriesPerCard: z.number().int() }),
  source: SourceStatus,
});
export type PrometheusIntegration = z.infer<typeof PrometheusIntegration>;

// ── Wire: Prometheus HTTP API (prometheus.io/docs/prometheus/latest/querying/api/) ────

/** `[ <unix_time>, "<sample_value>" ]`: values are strings so `NaN` and `±Inf` survive JSON. */
export const PromSamplePair = z.tuple([z.number(), z.string()]);
const Labels = z.record(z.string(), z.string());

export const PromData = z.discriminatedUnion("resultType", [
  z.object({
    resultType: z.literal("vector"),
    result: z.array(z.object({ metric: Labels, value: PromSamplePair }).loose()),
  }),
  z.object({
    resultType: z.literal("matrix"),
    result: z.array(
      z.object({ metric: Labels, values: z.array(PromSamplePair).default([]) }).loose(),
    ),
  }),
  z.object({ resultType: z.literal("scalar"), result: PromSamplePair }),
  z.object({ resultType: z.literal("string"), result: PromSamplePair }),
]);
export type PromData = z.infer<typeof PromData>;

/** The response envelope; `data` may be present on an error too. */
export const PromEnvelope = z
  .object({
    status: z.enum(["success", "error"]),
    data: z.unknown().optional(),
    errorType: z.string().optional(),
    error: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    infos: z.array(z.string()).optional(),
  })
  .loose();
export type PromEnvelope = z.infer<typeof PromEnvelope>;
