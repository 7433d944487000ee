import type { PanelKey } from "../components/types";

/** The read API behind each panel: path under /w/:ws/ and the response field with the list. */
const READS: ReadonlyArray<readonly [PanelKey, string, string]> = [
  ["metrics", "api/metrics?timeRange=", "metrics"],
  ["alerts", "api/alerts", "alerts"],
  ["incidents", "api/incidents", "incidents"],
  ["deployments", "api/deployments", "deployments"],
  ["pipelines", "api/pipelines?limit=20", "pipelines"],
  ["awsServices", "api/aws-services", "services"],
  ["web3Networks", "api/web3", "networks"],
  ["security", "api/security", "scans"],
  ["activity", "api/activity", "activities"],
  ["sources", "api/status", "sources"],
];

export type PollResult =
  | { kind: "ok"; lists: Array<[PanelKey, unknown[]]> }
  | { kind: "unauthorized" }
  | { kind: "failed" };

const POLL_TIMEOUT_MS = 10_000;

/**
 * One round of reads while the socket is down. Lists that could not be read keep their last
 * value; the round fails only when nothing came back.
 */
export async function pollReads(base: string, range = "1h"): Promise<PollResult> {
  const results = await Promise.allSettled(
    READS.map(async ([panel, path, field]) => {
      const res = await fetch(`${base}/${path.endsWith("=") ? path + range : path}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
      });
      if (res.status === 401) return "unauthorized" as const;
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      const body: unknown = await res.json();
      const list = typeof body === "object" && body !== null ? Reflect.get(body, field) : undefined;
      if (!Array.isArray(list)) throw new Error(`${path}: no '${field}' list`);
      return [panel, list] as [PanelKey, unknown[]];
    }),
  );
  const lists: Array<[PanelKey, unknown[]]> = [];
  for (const r of results) {
    if (r.status !== "fulfilled") continue;
    if (r.value === "unauthorized") return { kind: "unauthorized" };
    lists.push(r.value);
  }
  return lists.length > 0 ? { kind: "ok", lists } : { kind: "failed" };
}
