import type { Role, Snapshot, TimeRange } from "../../schema";
import type { RowNotes } from "./menu";

/** Every list in the snapshot is one panel on the page. */
export type PanelKey = Exclude<keyof Snapshot, "workspace" | "seq" | "members">;

/**
 * Panels read their slice of the snapshot; `now` makes ages the same on server and client.
 * `role` decides which actions are offered (viewer when absent: never offer what may fail),
 * `range` is the filter bar's time range, `notes` the results of actions taken on rows.
 */
export type PanelProps = {
  snapshot: Snapshot;
  now: number;
  role?: Role;
  range?: TimeRange;
  notes?: RowNotes;
};
