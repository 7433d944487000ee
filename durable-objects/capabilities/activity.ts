import { ActivityItem, LIST_CAPS } from "../../schema";
import { PendingActivity } from "../store/pending-activity";
import { RecordStore } from "../store/records";
import type { Host } from "./host";

/** Items kept in the feed's table; older ones are trimmed on every write. */
const ACTIVITY_RETENTION = 1000;

/**
 * The activity feed: its table, and the two ways an item leaves. A person's or a collector's
 * items go out at once; a sender's wait for the next paced alert frame (`queue`), so a burst of
 * deliveries costs the sockets one activity frame per alert frame.
 */
export class Activity {
  readonly store: RecordStore<typeof ActivityItem>;
  private readonly pending: PendingActivity;

  constructor(private readonly host: Host) {
    this.store = new RecordStore(host.sql, "activity", ActivityItem, (r) => r.timestamp);
    this.pending = new PendingActivity(host.sql);
  }

  /** Newest first; the snapshot's and `GET api/activity`'s list. */
  list(limit: number = LIST_CAPS.activity): ActivityItem[] {
    return this.store.list(limit);
  }

  /** Stores new items and publishes just them (clients prepend). */
  add(items: ActivityItem[], now: Date): void {
    if (items.length === 0) return;
    this.keep(items);
    this.host.publish({ type: "activity", payload: items }, now);
  }

  /** Stores items now; `flushQueued` sends them with the next paced alert frame. */
  queue(items: ActivityItem[]): void {
    if (items.length === 0) return;
    this.keep(items);
    this.pending.add(items.map((i) => i.id));
  }

  /** One frame for every queued item still stored, newest first as the feed reads. */
  flushQueued(now: Date): void {
    const items = this.pending
      .take()
      .flatMap((id) => this.store.get(id) ?? [])
      // Stable: a delivery's own items keep their order.
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    if (items.length > 0) this.host.publish({ type: "activity", payload: items }, now);
  }

  private keep(items: ActivityItem[]): void {
    for (const item of items) this.store.put(item);
    this.store.trim(ACTIVITY_RETENTION);
  }
}
