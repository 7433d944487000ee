import {
  LIST_CAPS,
  type ActivityItem,
  type ChangeEvent,
  type Deployment,
  type Pipeline,
  type SecurityScan,
} from "../../schema";
import type { RecordStore } from "../store/records";
import type { GithubChange } from "../../providers/github/mapping";
import { changed, mergeDeployment, mergeRun, mergeScan, mergeStage } from "./github-merge";

export type GithubStores = {
  pipelines: RecordStore<typeof Pipeline>;
  deployments: RecordStore<typeof Deployment>;
  security: RecordStore<typeof SecurityScan>;
  activity: RecordStore<typeof ActivityItem>;
};

export type Applied = {
  /** Pipelines whose stored record changed (final state, once each). */
  pipelines: Pipeline[];
  /** Deployments whose stored record changed. */
  deployments: Deployment[];
  securityChanged: boolean;
  /** New activity items (none already stored). */
  activity: ActivityItem[];
};

/** A scan's `updatedAt` is when it was read, not a fact about the alert: ignore it here. */
function sameScan(a: SecurityScan | undefined, b: SecurityScan): boolean {
  return (
    a !== undefined && !changed({ ...a, updatedAt: undefined }, { ...b, updatedAt: undefined })
  );
}

/**
 * Stores a batch of mapped GitHub changes (from the collector or an action's reply) by the same
 * merge rules as the webhook receiver, so a record read through the API and one delivered by a
 * webhook converge. Call inside one synchronous block: no I/O between reads and writes.
 * `withActivity: false` stores records without feed items (a repository's first backfill
 * would otherwise flood the feed with history).
 */
export function applyGithubChanges(
  stores: GithubStores,
  changes: GithubChange[],
  withActivity: boolean,
): Applied {
  const pipelines = new Map<string, Pipeline>();
  const deployments = new Map<string, Deployment>();
  const activity = new Map<string, ActivityItem>();
  let securityChanged = false;
  const addItem = (item: ActivityItem | undefined) => {
    if (withActivity && item && !stores.activity.get(item.id)) activity.set(item.id, item);
  };
  for (const change of changes) {
    switch (change.kind) {
      case "run":
      case "stage": {
        const id = change.kind === "run" ? change.pipeline.id : change.placeholder.id;
        const before = stores.pipelines.get(id);
        const after =
          change.kind === "run"
            ? mergeRun(before, change.pipeline)
            : mergeStage(before, change.placeholder, change.stage);
        if (!changed(before, after)) break;
        stores.pipelines.put(after);
        pipelines.set(id, after);
        break;
      }
      case "deployment": {
        const before = stores.deployments.get(change.deployment.id);
        const after = mergeDeployment(before, change.deployment, change.fromStatus);
        if (!changed(before, after)) break;
        stores.deployments.put(after);
        deployments.set(after.id, after);
        addItem(change.activity);
        break;
      }
      case "security": {
        const before = stores.security.get(change.scan.id);
        const after = mergeScan(before, change.scan);
        if (sameScan(before, after)) break;
        stores.security.put(after);
        securityChanged = true;
        addItem(change.activity);
        break;
      }
      case "activity":
        addItem(change.item);
        break;
    }
  }
  return {
    pipelines: [...pipelines.values()],
    deployments: [...deployments.values()],
    securityChanged,
    activity: [...activity.values()],
  };
}

/** Broadcasts what a batch changed: each pipeline, and each list once. */
export function publishApplied(
  applied: Applied,
  stores: GithubStores,
  publish: (event: ChangeEvent, now: Date) => void,
  addActivity: (items: ActivityItem[], now: Date) => void,
  now: Date,
): void {
  for (const pipeline of applied.pipelines) publish({ type: "pipeline", payload: pipeline }, now);
  if (applied.deployments.length > 0)
    publish({ type: "deployments", payload: stores.deployments.list(LIST_CAPS.deployments) }, now);
  if (applied.securityChanged)
    publish({ type: "security", payload: stores.security.list(LIST_CAPS.security) }, now);
  addActivity(applied.activity, now);
}
