import { AwsClient } from "aws4fetch";
import {
  CloudWatchMetricData,
  Ec2DescribeInstances,
  LambdaListFunctions,
  RdsDescribeDbInstances,
  S3ListBuckets,
  awsMetricId,
  awsServiceId,
  type AwsEndpoints,
  type AwsMeasure,
  type AwsService,
  type AwsServiceKind,
  type HealthStatus,
  type MetricSample,
} from "../../schema";
import { readXml, xmlError } from "./xml";
import { UpstreamError, boundedFetch } from "../http";

const TIMEOUT_MS = 10_000;
/** A 500-instance DescribeInstances page runs to a few MB of XML. */
const MAX_BYTES = 8 * 1024 * 1024;
/** Pages read per list call: bounds one run's subrequests whatever the account holds. */
export const MAX_PAGES = 10;
/** CloudWatch's basic-monitoring resolution for EC2 and RDS. */
export const PERIOD_SECONDS = 300;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** SigV4 signing name and host label per service (CloudWatch signs and lives as `monitoring`). */
const SERVICE_NAME: Record<AwsServiceKind, string> = {
  ec2: "ec2",
  rds: "rds",
  cloudwatch: "monitoring",
  s3: "s3",
  lambda: "lambda",
};
const DISPLAY: Record<AwsServiceKind, string> = {
  ec2: "EC2",
  rds: "RDS",
  cloudwatch: "CloudWatch",
  s3: "S3",
  lambda: "Lambda",
};

/** Codes meaning the keys themselves are wrong or expired: retrying cannot help. */
const CREDENTIAL_CODES = new Set([
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "AuthFailure",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
]);
/** Valid keys without permission for this call. */
const DENIED_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
]);

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string };

export type AwsCollectConfig = {
  credentials: AwsCredentials;
  regions: string[];
  services: AwsServiceKind[];
  /** Base URLs replacing AWS's hosts; the caller passes them only where loopback is allowed. */
  endpoints?: AwsEndpoints;
  /** Metric points from here on are (re)read; the store replaces points it already has. */
  metricsSince: Date;
};

export type AwsCollection = {
  services: AwsService[];
  samples: MetricSample[];
  /** Parts that failed; their cards keep the last good data. */
  failures: string[];
  /** Cards of parts these keys may not read (S3, Lambda): left out, not an error. */
  skipped: string[];
};

/** The keys are valid but lack permission for this call. */
export class AwsAccessDenied extends UpstreamError {}

/** One AWS call as the collector sends it, before signing. */
export type AwsCall = {
  service: AwsServiceKind;
  region: string;
  action: string;
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
};

/** `https://<service>.<region>.amazonaws.com`, or the allowed override for that service. */
export function endpointFor(
  service: AwsServiceKind,
  region: string,
  endpoints: AwsEndpoints | undefined,
): string {
  const override = endpoints?.[service];
  if (override) return override.replace(/\/+$/, "");
  return `https://${SERVICE_NAME[service]}.${region}.amazonaws.com`;
}

/**
 * Signs a call with SigV4 (every header we set is signed, as the official SDKs do).
 * `datetime` (`20150830T123600Z`) pins the signing time for signature cross-checks.
 */
export async function signCall(
  client: AwsClient,
  call: AwsCall,
  endpoints: AwsEndpoints | undefined,
  datetime?: string,
): Promise<Request> {
  const url = new URL(endpointFor(call.service, call.region, endpoints) + call.path);
  for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
  return client.sign(url, {
    method: call.method,
    headers: call.headers,
    body: call.body,
    aws: { service: SERVICE_NAME[call.service], region: call.region, allHeaders: true, datetime },
  });
}

/** Sends a signed call with a deadline, no redirects and a size cap; non-2xx becomes an error. */
async function send(
  client: AwsClient,
  call: AwsCall,
  endpoints: AwsEndpoints | undefined,
): Promise<string> {
  const signed = await signCall(client, call, endpoints);
  let res;
  try {
    res = await boundedFetch(
      signed.url,
      { method: signed.method, headers: signed.headers, body: call.body },
      { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES },
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UpstreamError(`${where(call)}: ${reason}`);
  }
  const text = new TextDecoder().decode(res.body);
  if (res.status >= 200 && res.status < 300) return text;
  throw upstreamError(call, res.status, res.headers, text);
}

const where = (call: AwsCall) => `${DISPLAY[call.service]} ${call.action} in ${call.region}`;

/** `com.amazon.coral.service#ExpiredTokenException` or `AccessDeniedException:http://…` → code. */
const bareCode = (raw: string) => raw.split(":")[0]!.split("#").pop()!.trim();

/**
 * Maps an AWS error answer to an UpstreamError: wrong keys → `credentials` (no point retrying
 * soon), missing permission → AwsAccessDenied, throttling, 5xx and the rest → transient.
 * Reads EC2 and Query XML, S3 XML, JSON `__type`, and the query-compatible header CloudWatch
 * sends (`x-amzn-query-error: InvalidClientTokenId;Sender`).
 */
export function upstreamError(
  call: AwsCall,
  status: number,
  headers: Headers,
  text: string,
): UpstreamError {
  const json = safeJson(text);
  const queryError = headers.get("x-amzn-query-error");
  const errorType = headers.get("x-amzn-errortype");
  const xml = xmlError(text);
  const jsonType = json?.__type ?? json?.code ?? json?.Code;
  const raw =
    queryError?.split(";")[0] ||
    xml?.code ||
    (typeof jsonType === "string" ? jsonType : "") ||
    errorType ||
    "";
  const code = raw ? bareCode(raw) : `HTTP ${status}`;
  const jsonMessage = json?.message ?? json?.Message;
  const message = (xml?.message || (typeof jsonMessage === "string" ? jsonMessage : ""))
    .replace(/\s+/g, " ")
    .slice(0, 300);
  const detail = `${where(call)}: ${code}${message ? `: ${message}` : ""}`;
  if (CREDENTIAL_CODES.has(code)) return new UpstreamError(detail, status, "credentials");
  if (DENIED_CODES.has(code)) return new AwsAccessDenied(detail, status);
  return new UpstreamError(detail, status);
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const malformed = (call: AwsCall) =>
  new UpstreamError(`${where(call)}: the answer is not the ${call.action} response AWS documents`);

// ── Calls ─────────────────────────────────────────────────────────────────────────────

const form = (params: Record<string, string | undefined>) =>
  new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString();
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

/** EC2 Query protocol: form-encoded POST, XML answer, paginated with NextToken. */
export const ec2DescribeInstances = (region: string, nextToken?: string): AwsCall => ({
  service: "ec2",
  region,
  action: "DescribeInstances",
  method: "POST",
  path: "/",
  headers: FORM,
  body: form({
    Action: "DescribeInstances",
    Version: "2016-11-15",
    MaxResults: "500",
    NextToken: nextToken,
  }),
});

/** RDS Query protocol: form-encoded POST, XML answer, paginated with Marker. */
export const rdsDescribeDbInstances = (region: string, marker?: string): AwsCall => ({
  service: "rds",
  region,
  action: "DescribeDBInstances",
  method: "POST",
  path: "/",
  headers: FORM,
  body: form({
    Action: "DescribeDBInstances",
    Version: "2014-10-31",
    MaxRecords: "100",
    Marker: marker,
  }),
});

/** CloudWatch AWS JSON 1.0 (query-compatible: asks for Query error codes too). */
export const cloudWatchGetMetricData = (
  region: string,
  body: Record<string, unknown>,
): AwsCall => ({
  service: "cloudwatch",
  region,
  action: "GetMetricData",
  method: "POST",
  path: "/",
  headers: {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "GraniteServiceVersion20100801.GetMetricData",
    "x-amzn-query-mode": "true",
  },
  body: JSON.stringify(body),
});

/** S3 REST-XML; the payload hash header is required by S3 (empty body). */
export const s3ListBuckets = (region: string): AwsCall => ({
  service: "s3",
  region,
  action: "ListBuckets",
  method: "GET",
  path: "/",
  query: { "x-id": "ListBuckets" },
  headers: { "X-Amz-Content-Sha256": EMPTY_SHA256 },
});

/** Lambda REST-JSON, paginated with Marker. */
export const lambdaListFunctions = (region: string, marker?: string): AwsCall => ({
  service: "lambda",
  region,
  action: "ListFunctions",
  method: "GET",
  path: "/2015-03-31/functions",
  query: { MaxItems: "50", ...(marker ? { Marker: marker } : {}) },
});

// ── Mapping ───────────────────────────────────────────────────────────────────────────

type Health = HealthStatus;

/**
 * A card's status from its members': any critical → critical; all offline (stopped) →
 * offline; any warning or stopped member → warning; otherwise healthy (also when empty).
 */
export function rollUp(members: Health[]): HealthStatus {
  if (members.includes("critical")) return "critical";
  if (members.length > 0 && members.every((m) => m === "offline")) return "offline";
  if (members.some((m) => m === "warning" || m === "offline")) return "warning";
  return "healthy";
}

/** EC2 instance states: running is healthy, stopped is offline, transitions are warnings. */
export function ec2Health(state: string): Health {
  if (state === "running") return "healthy";
  if (state === "stopped") return "offline";
  return "warning";
}

const RDS_HEALTHY = new Set([
  "available",
  "backing-up",
  "storage-optimization",
  "configuring-enhanced-monitoring",
  "configuring-iam-database-auth",
  "configuring-log-exports",
]);
const RDS_CRITICAL = new Set([
  "failed",
  "inaccessible-encryption-credentials",
  "inaccessible-encryption-credentials-recoverable",
  "incompatible-network",
  "incompatible-option-group",
  "incompatible-parameters",
  "incompatible-restore",
  "insufficient-capacity",
  "restore-error",
  "storage-full",
]);

/** RDS `DBInstanceStatus` values (RDS User Guide, "Viewing DB instance status"). */
export function rdsHealth(status: string): Health {
  if (RDS_HEALTHY.has(status)) return "healthy";
  if (RDS_CRITICAL.has(status)) return "critical";
  if (status === "stopped") return "offline";
  return "warning";
}

const card = (
  service: AwsServiceKind,
  region: string,
  members: Health[],
  now: Date,
): AwsService => ({
  id: awsServiceId(service, region),
  name: DISPLAY[service],
  status: rollUp(members),
  instances: members.length,
  region,
  source: "aws",
  updatedAt: now.toISOString(),
});

/** Card ids the configuration produces, so cards of removed regions or services can go. */
export function expectedCardIds(regions: string[], services: AwsServiceKind[]): Set<string> {
  const ids = new Set<string>();
  for (const service of services) {
    if (service === "cloudwatch") continue;
    if (service === "s3") ids.add(awsServiceId("s3", "global"));
    else for (const region of regions) ids.add(awsServiceId(service, region));
  }
  return ids;
}

async function ec2Card(client: AwsClient, region: string, cfg: AwsCollectConfig, now: Date) {
  const states: Health[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const call = ec2DescribeInstances(region, token);
    const doc = readXml(Ec2DescribeInstances, await send(client, call, cfg.endpoints));
    if (!doc) throw malformed(call);
    const reservations = doc.DescribeInstancesResponse.reservationSet || { item: [] };
    for (const reservation of reservations.item) {
      for (const instance of (reservation.instancesSet || { item: [] }).item) {
        // Terminated instances linger in answers for about an hour; they are gone.
        if (instance.instanceState.name !== "terminated")
          states.push(ec2Health(instance.instanceState.name));
      }
    }
    token = doc.DescribeInstancesResponse.nextToken || undefined;
    if (!token) break;
  }
  return card("ec2", region, states, now);
}

async function rdsCard(client: AwsClient, region: string, cfg: AwsCollectConfig, now: Date) {
  const states: Health[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const call = rdsDescribeDbInstances(region, marker);
    const doc = readXml(RdsDescribeDbInstances, await send(client, call, cfg.endpoints));
    if (!doc) throw malformed(call);
    const result = doc.DescribeDBInstancesResponse.DescribeDBInstancesResult;
    for (const db of (result.DBInstances || { DBInstance: [] }).DBInstance)
      states.push(rdsHealth(db.DBInstanceStatus));
    marker = result.Marker || undefined;
    if (!marker) break;
  }
  return card("rds", region, states, now);
}

async function lambdaCard(client: AwsClient, region: string, cfg: AwsCollectConfig, now: Date) {
  const states: Health[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const call = lambdaListFunctions(region, marker);
    const parsed = LambdaListFunctions.safeParse(safeJson(await send(client, call, cfg.endpoints)));
    if (!parsed.success) throw malformed(call);
    // ListFunctions leaves State out for most functions; a reported failure still counts.
    for (const fn of parsed.data.Functions)
      states.push(fn.State === "Failed" ? "warning" : "healthy");
    marker = parsed.data.NextMarker || undefined;
    if (!marker) break;
  }
  return card("lambda", region, states, now);
}

/** ListBuckets is account-wide: one card, asked of the first configured region's endpoint. */
async function s3Card(client: AwsClient, region: string, cfg: AwsCollectConfig, now: Date) {
  const call = s3ListBuckets(region);
  const doc = readXml(S3ListBuckets, await send(client, call, cfg.endpoints));
  if (!doc) throw malformed(call);
  const buckets = (doc.ListAllMyBucketsResult.Buckets || { Bucket: [] }).Bucket;
  return card(
    "s3",
    "global",
    buckets.map(() => "healthy" as const),
    now,
  );
}

// ── Metrics ───────────────────────────────────────────────────────────────────────────

type Reduce = "avg" | "sum" | "max";
type MetricQuery = {
  id: string;
  /** The series is `awsMetricId(measure, needs, region)`. */
  measure: AwsMeasure;
  label: string;
  unit: string;
  reduce: Reduce;
  search: string;
  stat: string;
  needs: AwsServiceKind;
};

/**
 * One GetMetricData per region. SEARCH expressions (not Metrics Insights, which allows one
 * query per call) find every instance's series; they are combined here, per timestamp:
 * CPU and memory averaged, bytes summed, disk use as the fullest volume.
 * `cpu.`, `memory.` and `disk.` ids are judged against the workspace thresholds.
 */
const METRIC_QUERIES: MetricQuery[] = [
  q(
    "cpu_ec2",
    "cpu",
    "EC2 CPU",
    "%",
    "avg",
    '{AWS/EC2,InstanceId} MetricName="CPUUtilization"',
    "Average",
    "ec2",
  ),
  q(
    "net_in",
    "network_in",
    "EC2 network in",
    "bytes",
    "sum",
    '{AWS/EC2,InstanceId} MetricName="NetworkIn"',
    "Sum",
    "ec2",
  ),
  q(
    "net_out",
    "network_out",
    "EC2 network out",
    "bytes",
    "sum",
    '{AWS/EC2,InstanceId} MetricName="NetworkOut"',
    "Sum",
    "ec2",
  ),
  q(
    "ebs_read",
    "ebs_read",
    "EC2 EBS read",
    "bytes",
    "sum",
    '{AWS/EC2,InstanceId} MetricName="EBSReadBytes"',
    "Sum",
    "ec2",
  ),
  q(
    "ebs_write",
    "ebs_write",
    "EC2 EBS write",
    "bytes",
    "sum",
    '{AWS/EC2,InstanceId} MetricName="EBSWriteBytes"',
    "Sum",
    "ec2",
  ),
  q(
    "mem",
    "memory",
    "EC2 memory used",
    "%",
    "avg",
    'Namespace="CWAgent" MetricName="mem_used_percent"',
    "Average",
    "ec2",
  ),
  q(
    "disk",
    "disk",
    "EC2 disk used (fullest)",
    "%",
    "max",
    'Namespace="CWAgent" MetricName="disk_used_percent"',
    "Maximum",
    "ec2",
  ),
  q(
    "cpu_rds",
    "cpu",
    "RDS CPU",
    "%",
    "avg",
    '{AWS/RDS,DBInstanceIdentifier} MetricName="CPUUtilization"',
    "Average",
    "rds",
  ),
];

function q(
  id: string,
  measure: AwsMeasure,
  label: string,
  unit: string,
  reduce: Reduce,
  search: string,
  stat: string,
  needs: AwsServiceKind,
): MetricQuery {
  return { id, measure, label, unit, reduce, search, stat, needs };
}

/** The GetMetricData request body for one region (exported for the request-shape test). */
export function metricDataRequest(
  services: AwsServiceKind[],
  since: Date,
  now: Date,
  nextToken?: string,
): Record<string, unknown> {
  const period = PERIOD_SECONDS;
  const queries = METRIC_QUERIES.filter((m) => m.needs !== "rds" || services.includes("rds"));
  return {
    MetricDataQueries: queries.map((m) => ({
      Id: m.id,
      Expression: `SEARCH('${m.search}', '${m.stat}', ${period})`,
      Period: period,
    })),
    // Aligned to the period (CloudWatch answers aligned requests faster); the current,
    // still-filling period is included so the newest reading is minutes old, not ten.
    StartTime: Math.floor(since.getTime() / 1000 / period) * period,
    EndTime: Math.ceil(now.getTime() / 1000 / period) * period,
    ScanBy: "TimestampAscending",
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

const reducers: Record<Reduce, (values: number[]) => number> = {
  avg: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  sum: (v) => v.reduce((a, b) => a + b, 0),
  max: (v) => Math.max(...v),
};

/** Combines every series a query returned into one sample per timestamp. */
export function combineSeries(
  results: CloudWatchMetricData["MetricDataResults"],
  region: string,
  now: Date,
): MetricSample[] {
  const latest = now.getTime() + 60_000;
  const samples: MetricSample[] = [];
  for (const m of METRIC_QUERIES) {
    const byTime = new Map<number, number[]>();
    for (const r of results.filter((r) => r.Id === m.id)) {
      r.Timestamps.forEach((ts, i) => {
        const value = r.Values[i];
        if (value === undefined || !Number.isFinite(value) || ts * 1000 > latest) return;
        byTime.set(ts, [...(byTime.get(ts) ?? []), value]);
      });
    }
    for (const [ts, values] of [...byTime].sort((a, b) => a[0] - b[0])) {
      samples.push({
        metric: awsMetricId(m.measure, m.needs, region),
        label: `${m.label} (${region})`,
        unit: m.unit,
        value: Math.round(reducers[m.reduce](values) * 100) / 100,
        timestamp: new Date(ts * 1000).toISOString(),
      });
    }
  }
  return samples;
}

async function regionMetrics(
  client: AwsClient,
  region: string,
  cfg: AwsCollectConfig,
  now: Date,
): Promise<MetricSample[]> {
  const results: CloudWatchMetricData["MetricDataResults"] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const call = cloudWatchGetMetricData(
      region,
      metricDataRequest(cfg.services, cfg.metricsSince, now, token),
    );
    const parsed = CloudWatchMetricData.safeParse(
      safeJson(await send(client, call, cfg.endpoints)),
    );
    if (!parsed.success) throw malformed(call);
    results.push(...parsed.data.MetricDataResults);
    token = parsed.data.NextToken || undefined;
    if (!token) break;
  }
  return combineSeries(results, region, now);
}

// ── The run ───────────────────────────────────────────────────────────────────────────

type Part = {
  /** The card this part fills (`ec2.eu-west-1`, `s3.global`). */
  id: string;
  service: AwsServiceKind;
  run: () => Promise<AwsService | MetricSample[]>;
};

/**
 * Reads the configured services in every region and maps them to service cards and metric
 * samples. Regions run one after another and a region's services side by side (at most four
 * connections). Wrong keys stop the run at once: every further call would fail the same way.
 * A part that fails otherwise is listed in `failures` and the rest still count.
 */
export async function collectAws(cfg: AwsCollectConfig, now: Date): Promise<AwsCollection> {
  // A client per run; its built-in retries are off because the runner owns backoff.
  const client = new AwsClient({ ...cfg.credentials, retries: 0 });
  const out: AwsCollection = { services: [], samples: [], failures: [], skipped: [] };
  const has = (s: AwsServiceKind) => cfg.services.includes(s);
  const first = cfg.regions[0];
  const batches: Part[][] = cfg.regions.map((region) => [
    ...(has("ec2") ? [part("ec2", region, () => ec2Card(client, region, cfg, now))] : []),
    ...(has("rds") ? [part("rds", region, () => rdsCard(client, region, cfg, now))] : []),
    ...(has("lambda") ? [part("lambda", region, () => lambdaCard(client, region, cfg, now))] : []),
    ...(has("cloudwatch")
      ? [part("cloudwatch", region, () => regionMetrics(client, region, cfg, now))]
      : []),
    ...(has("s3") && region === first
      ? [part("s3", "global", () => s3Card(client, region, cfg, now))]
      : []),
  ]);
  for (const batch of batches) {
    const settled = await Promise.allSettled(batch.map((p) => p.run()));
    const wrongKeys = settled.find(
      (s): s is PromiseRejectedResult =>
        s.status === "rejected" &&
        s.reason instanceof UpstreamError &&
        s.reason.kind === "credentials",
    );
    if (wrongKeys) throw wrongKeys.reason;
    settled.forEach((s, i) => {
      const p = batch[i]!;
      if (s.status === "fulfilled") {
        if (Array.isArray(s.value)) out.samples.push(...s.value);
        else out.services.push(s.value);
      } else if (
        s.reason instanceof AwsAccessDenied &&
        (p.service === "s3" || p.service === "lambda")
      ) {
        out.skipped.push(p.id);
      } else {
        out.failures.push(s.reason instanceof Error ? s.reason.message : String(s.reason));
      }
    });
  }
  return out;
}

function part(service: AwsServiceKind, region: string, run: Part["run"]): Part {
  return { id: awsServiceId(service, region), service, run };
}
