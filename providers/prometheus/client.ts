import { PromData, PromEnvelope } from "../../schema";
import { bytesToBase64 } from "../../lib/base64";
import { checkOutboundUrl } from "../../lib/url-policy";
import { UpstreamError, boundedFetch } from "../http";

/** How to reach one Prometheus-compatible endpoint (Prometheus, Thanos, Mimir, VictoriaMetrics). */
export type PromConnection = {
  /** Base URL, with any path prefix (`https://mimir.example.com/prometheus`). */
  baseUrl: string;
  auth?: { type: "bearer"; token: string } | { type: "basic"; username: string; password: string };
  /** Mimir and Cortex tenant, sent as `X-Scope-OrgID`. */
  orgId?: string;
  allowLoopback: boolean;
};

/** What a successful query returned, with its `warnings` (and `infos`, newer servers). */
export type PromAnswer = { data: PromData; warnings: string[] };

const TIMEOUT_MS = 10_000;
/** A card is bounded to a few dozen series; 2 MB is far more than an honest answer. */
const MAX_BYTES = 2 * 1024 * 1024;

/**
 * Prometheus refused the query itself (`status: "error"`): its `errorType` (`bad_data`,
 * `execution`, `timeout`, …) and its own `error` text, which the admin should read verbatim.
 */
export class PromQueryError extends UpstreamError {
  constructor(
    readonly httpStatus: number,
    readonly errorType: string,
    readonly promError: string,
  ) {
    super(`${errorType}: ${promError}`.slice(0, 1000), httpStatus);
  }
}

function headers(conn: PromConnection): Headers {
  const h = new Headers({ Accept: "application/json" });
  if (conn.auth?.type === "bearer") h.set("Authorization", `Bearer ${conn.auth.token}`);
  if (conn.auth?.type === "basic") {
    const pair = new TextEncoder().encode(`${conn.auth.username}:${conn.auth.password}`);
    h.set("Authorization", `Basic ${bytesToBase64(pair)}`);
  }
  if (conn.orgId) h.set("X-Scope-OrgID", conn.orgId);
  return h;
}

/** `GET <base>/api/v1/<endpoint>?…`, checked against the outbound URL policy on every call. */
async function get(
  conn: PromConnection,
  endpoint: "query" | "query_range",
  params: Record<string, string>,
): Promise<PromAnswer> {
  const verdict = checkOutboundUrl(conn.baseUrl, { allowLoopback: conn.allowLoopback });
  if (!verdict.ok) throw new UpstreamError(`URL not allowed: ${verdict.reason}`);
  const url = new URL(`${verdict.url.href.replace(/\/+$/, "")}/api/v1/${endpoint}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await boundedFetch(
    url.href,
    { method: "GET", headers: headers(conn) },
    { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES },
  );
  if (res.status === 401 || res.status === 403)
    throw new UpstreamError(`HTTP ${res.status} from Prometheus`, res.status, "credentials");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(res.body));
  } catch {
    throw new UpstreamError(`HTTP ${res.status}: the answer is not JSON`, res.status);
  }
  const envelope = PromEnvelope.safeParse(parsed);
  if (!envelope.success)
    throw new UpstreamError(`HTTP ${res.status}: not a Prometheus API answer`, res.status);
  const body = envelope.data;
  if (body.status === "error")
    throw new PromQueryError(res.status, body.errorType ?? "error", body.error ?? "(no text)");
  if (res.status >= 300) throw new UpstreamError(`HTTP ${res.status} from Prometheus`, res.status);
  const data = PromData.safeParse(body.data);
  if (!data.success)
    throw new UpstreamError("Prometheus answered with data of an unknown shape", res.status);
  const warnings = [...(body.warnings ?? []), ...(body.infos ?? []).map((i) => `info: ${i}`)];
  return { data: data.data, warnings };
}

/**
 * An instant query at `time` (`GET /api/v1/query`).
 * @example await instantQuery(conn, "up", new Date())
 */
export function instantQuery(conn: PromConnection, query: string, time: Date): Promise<PromAnswer> {
  return get(conn, "query", { query, time: (time.getTime() / 1000).toFixed(3) });
}

/**
 * A range query (`GET /api/v1/query_range`), for the history behind a new card's chart.
 * @example await rangeQuery(conn, "up", { start, end, stepSeconds: 30 })
 */
export function rangeQuery(
  conn: PromConnection,
  query: string,
  range: { start: Date; end: Date; stepSeconds: number },
): Promise<PromAnswer> {
  return get(conn, "query_range", {
    query,
    start: (range.start.getTime() / 1000).toFixed(3),
    end: (range.end.getTime() / 1000).toFixed(3),
    step: String(range.stepSeconds),
  });
}
