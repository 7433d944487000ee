import { ActivityItem, LIST_CAPS } from "../../schema";
import { RecordStore } from "../store/records";
import type { Host } from "./host";

/** Items kept in the feed's table; older ones are trimmed on every write. */
const ACTIVITY_RETENTION = 1000;

/** The activity feed: its table (trimmed to the newest 1,000) and its frames. */
export class Activity {
  readonly store: RecordStore<typeof ActivityItem>;

  constructor(private readonly host: Host) {
    this.store = new RecordStore(host.sql, "activity", ActivityItem, (r) => r.timestamp);
  }

  /** Newest first; the snapshot's and `GET api/activity`'s list. */
  list(limit: number = LIST_CAPS.activity): ActivityItem[] {
    return this.store.list(limit);
  }

  /** Stores new items; the outlet sends just them (clients prepend). */
  add(items: ActivityItem[], now: Date): void {
    if (items.length === 0) return;
    for (const item of items) this.store.put(item);
    this.store.trim(ACTIVITY_RETENTION);
    this.host.publish({ type: "activity", payload: items }, now);
  }

  /** Stored items by id, newest first as the feed reads (what an `activity` frame carries). */
  byIds(ids: string[]): ActivityItem[] {
    return (
      ids
        .flatMap((id) => this.store.get(id) ?? [])
        // Stable: a delivery's own items keep their order.
        .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    );
  }
}
