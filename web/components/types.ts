import type { Snapshot } from "../../schema";

/** Every list in the snapshot is one panel on the page. */
export type PanelKey = Exclude<keyof Snapshot, "workspace" | "seq">;

/** Panels read their slice of the snapshot; `now` makes ages the same on server and client. */
export type PanelProps = { snapshot: Snapshot; now: number };
