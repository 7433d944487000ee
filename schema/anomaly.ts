import { z } from "zod";
import { AlertStatus } from "./alerts";
import { RecordId, Text, Timestamp } from "./common";

/** Points one `POST api/anomaly` may score: 10,000 take ~50 ms; a bigger series is split. */
export const ANOMALY_REQUEST_MAX_POINTS = 10_000;
/** Anomalies a `POST api/anomaly` answer lists (the count says how many were found). */
export const ANOMALY_RESULT_MAX = 1000;
/** Triggering points kept on one anomaly (the first ones; `pointCount` says how many). */
export const ANOMALY_POINTS_MAX = 20;
/** Anomaly records kept per workspace; older closed ones are trimmed. */
export const ANOMALY_RECORDS_MAX = 1000;
/** Expected windows per series (maintenance, load tests). */
export const EXPECTED_WINDOWS_MAX = 20;
/** True-positive examples kept per series. */
export const ANOMALY_EXAMPLES_MAX = 20;
/** Persisted detector state per series; a bigger one (never seen: ~3 kB) is started afresh. */
export const DETECTOR_STATE_MAX_BYTES = 8 * 1024;
export const FEEDBACK_NOTE_MAX_CHARS = 1000;

/** Where a value was expected: the detector's band around its best prediction. */
export const ExpectedBand = z.object({ low: z.number(), high: z.number() });
export type ExpectedBand = z.infer<typeof ExpectedBand>;

/** One scored point of a series. */
export const ScoredPoint = z.object({
  timestamp: Timestamp,
  value: z.number(),
  score: z.number(),
  expected: ExpectedBand,
});
export type ScoredPoint = z.infer<typeof ScoredPoint>;

export const AnomalyVerdict = z.enum(["true_positive", "false_positive"]);
export type AnomalyVerdict = z.infer<typeof AnomalyVerdict>;

export const AnomalyFeedback = z.object({
  verdict: AnomalyVerdict,
  note: z.string().max(FEEDBACK_NOTE_MAX_CHARS).optional(),
  by: z.string().max(200),
  at: Timestamp,
});
export type AnomalyFeedback = z.infer<typeof AnomalyFeedback>;

/**
 * An anomaly as stored: what the detector saw. Its lifecycle (acknowledged, resolved,
 * dismissed, silenced) is its alert's, whose id it shares.
 */
export const AnomalyRecord = z.object({
  id: RecordId,
  seriesId: RecordId,
  /** The series' source (api, aws, agent, web3, prometheus…). */
  source: z.string().max(100),
  label: z.string().max(200),
  /** Highest score while open. */
  score: z.number(),
  /** The band at the point that opened it. */
  expected: ExpectedBand,
  points: z.array(ScoredPoint).max(ANOMALY_POINTS_MAX),
  pointCount: z.number().int().nonnegative(),
  openedAt: Timestamp,
  /** When the series was back in its band for a while (or the alert was closed by hand). */
  closedAt: Timestamp.optional(),
  feedback: AnomalyFeedback.optional(),
});
export type AnomalyRecord = z.infer<typeof AnomalyRecord>;

export const AnomalyStatus = z.enum([...AlertStatus.options, "dismissed"]);
export type AnomalyStatus = z.infer<typeof AnomalyStatus>;

/** `GET api/anomaly` item: the record plus its alert's status. */
export const Anomaly = AnomalyRecord.extend({ status: AnomalyStatus, alertId: RecordId });
export type Anomaly = z.infer<typeof Anomaly>;

export const AnomalyQuery = z
  .object({
    /** `open`: firing, acknowledged or suppressed (not yet resolved or dismissed). */
    status: z.union([AnomalyStatus, z.literal("open")]).optional(),
    series: RecordId.optional(),
    since: Timestamp.optional(),
  })
  .strict();
export type AnomalyQuery = z.infer<typeof AnomalyQuery>;

export const AnomalyFeedbackBody = z
  .object({ verdict: AnomalyVerdict, note: Text(FEEDBACK_NOTE_MAX_CHARS).optional() })
  .strict();
export type AnomalyFeedbackBody = z.infer<typeof AnomalyFeedbackBody>;

/** 0 (only the clearest anomalies) … 1 (the most); 0.5 is the detector's NAB threshold. */
export const Sensitivity = z.number().min(0).max(1);

export const ExpectedWindow = z
  .object({ start: Timestamp, end: Timestamp, reason: Text(200).optional() })
  .strict()
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), {
    message: "end must be after start",
    path: ["end"],
  });
export type ExpectedWindow = z.infer<typeof ExpectedWindow>;

export const DetectionSettingsBody = z
  .object({
    enabled: z.boolean().optional(),
    sensitivity: Sensitivity.optional(),
    expectedWindows: z.array(ExpectedWindow).max(EXPECTED_WINDOWS_MAX).optional(),
  })
  .strict();
export type DetectionSettingsBody = z.infer<typeof DetectionSettingsBody>;

/** A labelled true positive kept for the series. */
export const AnomalyExample = z.object({
  anomalyId: RecordId,
  at: Timestamp,
  score: z.number(),
  value: z.number(),
  note: z.string().max(FEEDBACK_NOTE_MAX_CHARS).optional(),
});
export type AnomalyExample = z.infer<typeof AnomalyExample>;

/** Per-series detection: settings, feedback and the open anomaly (stored, small). */
export const SeriesDetectionRecord = z.object({
  id: RecordId,
  enabled: z.boolean(),
  sensitivity: Sensitivity,
  /** Added to the threshold by false-positive feedback (bounded). */
  adjustment: z.number(),
  expectedWindows: z.array(ExpectedWindow).max(EXPECTED_WINDOWS_MAX),
  truePositives: z.number().int().nonnegative(),
  falsePositives: z.number().int().nonnegative(),
  examples: z.array(AnomalyExample).max(ANOMALY_EXAMPLES_MAX),
  /** The open anomaly and how many points in a row have been back in band. */
  openId: RecordId.optional(),
  inBand: z.number().int().nonnegative(),
  updatedAt: Timestamp,
});
export type SeriesDetectionRecord = z.infer<typeof SeriesDetectionRecord>;

/** `GET|PUT api/metrics/:id/detection`. */
export const SeriesDetection = SeriesDetectionRecord.omit({ openId: true, inBand: true }).extend({
  /** The detector threshold in effect (sensitivity and feedback applied). */
  threshold: z.number(),
  /** Precision from feedback (true / judged), null before any. */
  precision: z.number().nullable(),
  /** Points the detector has learned from, and its persisted state size. */
  points: z.number().int().nonnegative(),
  stateBytes: z.number().int().nonnegative(),
  openAnomalyId: RecordId.optional(),
});
export type SeriesDetection = z.infer<typeof SeriesDetection>;

const PointTime = z.union([
  Timestamp,
  z.number().int().min(0).max(8.64e15).describe("milliseconds since the epoch"),
]);

/** `POST api/anomaly`: one series scored by a fresh detector; nothing is stored. */
export const DetectBody = z
  .object({
    series: z
      .array(z.object({ timestamp: PointTime, value: z.number() }).strict())
      .min(1)
      .max(ANOMALY_REQUEST_MAX_POINTS),
    sensitivity: Sensitivity.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    let prev = -Infinity;
    for (const [i, point] of body.series.entries()) {
      const at =
        typeof point.timestamp === "number" ? point.timestamp : Date.parse(point.timestamp);
      if (at <= prev) {
        ctx.addIssue({
          code: "custom",
          path: ["series", i, "timestamp"],
          message:
            at === prev
              ? "duplicate timestamp: send one value per instant"
              : "out of order: sort the series by timestamp, oldest first",
        });
        return;
      }
      prev = at;
    }
  });
export type DetectBody = z.infer<typeof DetectBody>;

export const DetectResult = z.object({
  points: z.number().int(),
  /** Points a fresh detector learns from before it scores (a shorter series finds nothing). */
  warmup: z.number().int(),
  threshold: z.number(),
  found: z.number().int(),
  anomalies: z.array(ScoredPoint).max(ANOMALY_RESULT_MAX),
});
export type DetectResult = z.infer<typeof DetectResult>;

const NoveltyStateSchema = z.object({
  step: z.number(),
  min: z.number(),
  max: z.number(),
  base: z.number(),
  outside: z.number(),
  recent: z.array(z.number()),
  cur: z.array(z.number()),
  old: z.array(z.number()),
  fill: z.number(),
  seen: z.number(),
});

/**
 * The persisted form of lib/anomaly's `DetectorState`, checked structurally on load. Its
 * `params` are not stored: they are the fixed defaults with the series' threshold, set on load.
 */
export const StoredDetector = z.object({
  id: RecordId,
  state: z.object({
    n: z.number(),
    lastT: z.number(),
    prev: z.number(),
    level: z.number(),
    season: z.array(z.number().nullable()),
    scale: z.array(z.number()),
    short: z.number(),
    mean: z.number(),
    variance: z.number(),
    hold: z.number(),
    novelty: NoveltyStateSchema,
    usual: z.number(),
  }),
});
export type StoredDetector = z.infer<typeof StoredDetector>;
