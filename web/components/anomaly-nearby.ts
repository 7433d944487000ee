import type { AnomalyCard, Snapshot } from "../../schema";
import { ANOMALY_PANEL } from "../../schema/list-caps";
import { paths } from "./paths";

/** One change shown under an anomaly: a deployment, a pipeline run or another alert. */
export type NearbyChange = {
  kind: "deployment" | "pipeline" | "alert";
  id: string;
  text: string;
  at: string;
  href: string;
};

const within = (at: string | undefined, from: number, to: number) => {
  const t = at === undefined ? Number.NaN : Date.parse(at);
  return t >= from && t <= to;
};

/**
 * What changed in the `ANOMALY_PANEL.beforeMs` before an anomaly opened, newest first, at most
 * `ANOMALY_PANEL.nearby`: read from the snapshot's own deployments, runs and alerts lists (the
 * same read model lists their panels draw), so server and client agree and nothing is queried.
 * @example nearbyChanges(snapshot, card).map((c) => c.text) // ["deploy api to production"]
 */
export function nearbyChanges(
  snapshot: Pick<Snapshot, "workspace" | "deployments" | "pipelines" | "alerts">,
  card: Pick<AnomalyCard, "id" | "openedAt">,
): NearbyChange[] {
  const p = paths(snapshot.workspace.id);
  const to = Date.parse(card.openedAt);
  const from = to - ANOMALY_PANEL.beforeMs;
  const changes: NearbyChange[] = [
    ...snapshot.deployments
      .filter((d) => within(d.timestamp, from, to))
      .map((d) => ({
        kind: "deployment" as const,
        id: d.id,
        text: `deploy ${d.name} to ${d.environment} (${d.status})`,
        at: d.timestamp,
        href: p.deployment(d.id),
      })),
    ...snapshot.pipelines
      .filter((r) => within(r.startedAt, from, to))
      .map((r) => ({
        kind: "pipeline" as const,
        id: r.id,
        text: `run ${r.name} on ${r.branch} (${r.status})`,
        at: r.startedAt ?? "",
        href: p.pipeline(r.id),
      })),
    ...snapshot.alerts
      .filter((a) => a.id !== card.id && within(a.timestamp, from, to))
      .map((a) => ({
        kind: "alert" as const,
        id: a.id,
        text: `alert ${a.title} (${a.severity})`,
        at: a.timestamp,
        href: p.alert(a.id),
      })),
  ];
  return changes.sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, ANOMALY_PANEL.nearby);
}
