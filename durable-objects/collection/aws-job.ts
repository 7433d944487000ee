import type { AwsService, ChangeEvent, Settings, StoredSettings } from "../../schema";
import { collectAws, expectedCardIds, type AwsCollection } from "../../providers/aws/collector";
import { UpstreamError } from "../../providers/http";
import type { BatchChanges } from "../domain/alert-ingest";
import { awsRegions, awsServices } from "../domain/aws-config";
import { judgeSamples, type MetricJudgeDeps } from "../domain/metric-alerts";
import type { RecordStore } from "../store/records";
import type { SecretBox } from "../store/secret-box";
import type { CollectionJob } from "./runner";

/** First run: an hour of history for the charts. */
const FIRST_LOOKBACK_MS = 60 * 60_000;
/** Later runs re-read from a little before the last success: CloudWatch fills periods late. */
const OVERLAP_MS = 15 * 60_000;
/** After a long outage, at most this much is caught up in one run. */
const MAX_LOOKBACK_MS = 3 * 60 * 60_000;

/** What the AWS job needs from the workspace object; the object keeps the storage. */
export type AwsJobDeps = {
  settings: () => StoredSettings;
  box: () => Promise<SecretBox | undefined>;
  /** ALLOW_LOOPBACK_URLS: only then are stored endpoint overrides used. */
  allowEndpointOverride: boolean;
  intervalMs: number;
  lastSuccessAt: () => string | undefined;
  services: RecordStore<typeof AwsService>;
  transaction: <T>(fn: () => T) => T;
  publish: (event: ChangeEvent, now: Date) => void;
  publishMetrics: (now: Date) => void;
  /** Broadcasts threshold or rule crossings (alerts and their activity). */
  breached: (changes: BatchChanges, now: Date) => void;
} & MetricJudgeDeps;

/** From where metric points are read this run. */
export function metricsSince(lastSuccessAt: string | undefined, now: Date): Date {
  const last = lastSuccessAt ? Date.parse(lastSuccessAt) : Number.NaN;
  if (Number.isNaN(last)) return new Date(now.getTime() - FIRST_LOOKBACK_MS);
  return new Date(Math.max(last - OVERLAP_MS, now.getTime() - MAX_LOOKBACK_MS));
}

/** The `collect:aws` job: read AWS (I/O), then apply everything in one transaction. */
export function awsJob(deps: AwsJobDeps): CollectionJob {
  return {
    task: "collect:aws",
    source: "aws",
    intervalMs: deps.intervalMs,
    collect: async (now) => {
      const settings = deps.settings();
      const aws = settings.integrations.aws;
      const box = await deps.box();
      if (!box) throw new Error("SECRETS_KEY is not configured on the server");
      if (!aws.accessKey || !aws.secretKey) throw new Error("AWS keys are not configured");
      let credentials;
      try {
        credentials = {
          accessKeyId: await box.open(aws.accessKey),
          secretAccessKey: await box.open(aws.secretKey),
        };
      } catch {
        throw new UpstreamError(
          "the stored keys cannot be decrypted with the configured SECRETS_KEY; save them again",
          undefined,
          "credentials",
        );
      }
      const regions = awsRegions(aws);
      const services = awsServices(aws);
      const collected = await collectAws(
        {
          credentials,
          regions,
          services,
          endpoints: deps.allowEndpointOverride ? aws.endpoints : undefined,
          metricsSince: metricsSince(deps.lastSuccessAt(), now),
        },
        now,
      );
      return () => {
        const keep = expectedCardIds(regions, services);
        for (const id of collected.skipped) keep.delete(id);
        applyRun(deps, collected, keep, settings.thresholds, now);
      };
    },
  };
}

/**
 * Stores one run atomically: cards (removing those no longer configured or permitted),
 * metric points, and threshold and rule crossings through the shared alert lifecycle. Then
 * broadcasts what changed. Parts that failed keep their last cards and fail the run
 * afterwards, so the source reads stale with the reason while fresh parts still show.
 */
function applyRun(
  deps: AwsJobDeps,
  collected: AwsCollection,
  keep: Set<string>,
  thresholds: Settings["thresholds"],
  now: Date,
): void {
  const failures = [...collected.failures];
  const before = deps.services.list();
  const result = deps.transaction(() => {
    for (const card of collected.services) deps.services.put(card);
    const removed = before.filter((s) => !keep.has(s.id));
    for (const card of removed) deps.services.delete(card.id);
    const ingested = collected.samples.length
      ? deps.metrics.ingest(collected.samples, "aws", now)
      : undefined;
    if (ingested && !ingested.ok) failures.push(`metrics: ${ingested.detail}`);
    const alerts = ingested?.ok
      ? judgeSamples(deps, collected.samples, thresholds, "aws", now)
      : undefined;
    return { removed: removed.length, ingested: ingested?.ok === true, alerts };
  });
  const after = deps.services.list();
  if (result.removed > 0 || JSON.stringify(after) !== JSON.stringify(before))
    deps.publish({ type: "aws-services", payload: after }, now);
  if (result.ingested) deps.publishMetrics(now);
  if (result.alerts) deps.breached(result.alerts, now);
  if (failures.length > 0) throw new Error(failures.join("; ").slice(0, 2000));
}
