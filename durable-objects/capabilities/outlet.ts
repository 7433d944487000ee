import { z } from "zod";
import type { ChangeEvent, ChangeType } from "../../schema";
import { logSafe } from "../../lib/log-safe";
import type { AlarmSchedule } from "../store/alarm-schedule";

/** Frames that carry the whole current list of their kind (a client replaces its copy). */
export type ListType = Exclude<ChangeType, "pipeline" | "activity">;
type Payload<T extends ChangeType> = Extract<ChangeEvent, { type: T }>["payload"];

/**
 * What the outlet reads at flush time: each list, one changed run, the queued feed items, and
 * the whole recent feed (what `contract` sockets get in an `activity` frame instead).
 */
export type OutletReaders = {
  lists: { [T in ListType]: () => Payload<T> };
  pipeline: (id: string) => Payload<"pipeline"> | undefined;
  activity: (ids: string[]) => Payload<"activity">;
  feed: () => Payload<"activity">;
};

/**
 * Sends a change to every socket (after logging it); `contract` is the variant `contract`
 * sockets get instead, read only if one is connected.
 */
export type Broadcast = (event: ChangeEvent, now: Date, contract?: () => ChangeEvent) => number;

/** Every list type (what a stored pending entry may name). */
const LIST_TYPES: readonly ListType[] = [
  "metrics",
  "alerts",
  "incidents",
  "deployments",
  "aws-services",
  "web3-networks",
  "security",
  "sources",
  "members",
  "anomalies",
];
/**
 * Lists read from another list: the Anomalies panel's cards come from the open anomaly alerts,
 * so whatever changes `alerts` (a lifecycle action, a sender, the detector) changes them too.
 */
const DERIVED: Partial<Record<ListType, ListType>> = { alerts: "anomalies" };
const DERIVED_TYPES = new Set(Object.values(DERIVED));

/** cyrb53: a 53-bit string hash, enough to tell one list's content from the next. */
function hashOf(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
const EMPTY_HASH = hashOf("[]");
const PENDING_KEY = "outlet-pending";
/** Fan-out the object may spend on `alerts` frames: bytes per second across all sockets. */
const FAN_OUT_BYTES_PER_SECOND = 32 * 1024 * 1024;
const MIN_FRAME_GAP_MS = 250;
const MAX_FRAME_GAP_MS = 5000;

/**
 * The least time between two `alerts` frames under sustained change: a whole-list frame to
 * every socket costs about bytes × sockets, so the gap keeps that within the fan-out budget
 * (250 ms for a small workspace; 200 alerts to 1,000 sockets, ~140 MB a frame, ~4 s).
 * @example alertFrameGap(140_000, 1000) // 4172
 */
export function alertFrameGap(frameBytes: number, sockets: number): number {
  const ms = ((frameBytes * sockets) / FAN_OUT_BYTES_PER_SECOND) * 1000;
  return Math.round(Math.min(MAX_FRAME_GAP_MS, Math.max(MIN_FRAME_GAP_MS, ms)));
}
/** More ids than this pending means frames stopped leaving; the oldest wait no longer. */
const MAX_PENDING_IDS = 500;
const TASK = "publish";

const Pending = z.object({
  lists: z.array(z.string()),
  pipelines: z.array(z.string()),
  activity: z.array(z.string()),
});
type Pending = { lists: ListType[]; pipelines: string[]; activity: string[] };
const isList = (type: string): type is ListType => (LIST_TYPES as readonly string[]).includes(type);

/**
 * The one way out for a change. Whoever changed state (a person, a sender, a collector, a
 * timer) says what changed; a flush then sends one frame per changed list, read fresh from
 * its owner, in the order the lists changed, then the changed runs and the new feed items.
 *
 * A flush runs at the end of the turn that made the change (after its transaction commits,
 * before its answer leaves). Feed items go out as one `activity` frame: the new items to
 * Opsdeck's sockets, the whole recent feed to `contract` sockets (schema/frames.ts FrameMode).
 * One list is paced: `alerts`, the whole-list frame that senders
 * churn. After an `alerts` frame the next waits `alertFrameGap` (≥ 250 ms, more for large
 * frames × many sockets) and leaves from the `publish` alarm task, with the feed items that
 * came meanwhile riding along; so a burst of deliveries costs the sockets a few frames, not
 * one per delivery. What is pending is kept in storage: hibernation before a paced flush
 * loses nothing.
 */
export class Outlet {
  private readers?: OutletReaders;
  /** When the next `alerts` frame may leave (memory only: eviction just resets the pace). */
  private alertsFrom = 0;
  /** A flush is queued for the end of this turn. */
  private flushQueued = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly schedule: AlarmSchedule,
    private readonly broadcast: Broadcast,
    private readonly sockets: () => number,
  ) {}

  /** Wired once the capabilities that own the lists exist. */
  connect(readers: OutletReaders): void {
    this.readers = readers;
  }

  readonly tasks = {
    [TASK]: (now: number) => this.flush(now),
    // Scheduled by versions that paced only alert frames.
    "publish-alerts": (now: number) => this.flush(now),
  };

  /**
   * Records a change and makes sure a flush follows. A list event's payload is not kept: the
   * flush reads the list as it is then. May run inside a storage transaction.
   */
  changed(event: ChangeEvent): void {
    if (event.type === "pipeline" || event.type === "activity") {
      const pending = this.pending();
      if (event.type === "pipeline") pending.pipelines.push(event.payload.id);
      else pending.activity.push(...event.payload.map((i) => i.id));
      this.save(pending);
      this.plan(pending, Date.now());
    } else this.listChanged(event.type);
  }

  /**
   * A list changed: the flush reads it then. Cheaper than `changed` for a caller that would
   * read the list only to announce it (alerts: 200 parsed documents per sender delivery).
   */
  listChanged(type: ListType): void {
    const pending = this.pending();
    // A derived list (anomalies, built from alerts) goes with the list it is built from.
    for (const t of [type, DERIVED[type]])
      if (t && !pending.lists.includes(t)) pending.lists.push(t);
    this.save(pending);
    this.plan(pending, Date.now());
  }

  /** Sends what is due, in the order it changed; what must wait stays pending. */
  flush(nowMs: number): void {
    this.schedule.cancel("publish-alerts");
    const readers = this.readers;
    if (!readers) return;
    const pending = this.pending();
    const now = new Date(nowMs);
    const waiting = pending.lists.filter((type) => this.dueAt(type) > nowMs);
    for (const type of pending.lists) {
      if (waiting.includes(type)) continue;
      const event = listEvent(readers, type);
      if (this.unchanged(type, event)) continue;
      const bytes = this.broadcast(event, now);
      if (type === "alerts") this.alertsFrom = nowMs + alertFrameGap(bytes, this.sockets());
    }
    // Runs and feed items ride along with a paced list, so a burst sends them together.
    const rest: Pending = { lists: waiting, pipelines: [], activity: [] };
    if (waiting.length > 0) {
      rest.pipelines = pending.pipelines;
      rest.activity = pending.activity;
    } else {
      for (const id of pending.pipelines) {
        const run = readers.pipeline(id);
        if (run) this.broadcast({ type: "pipeline", payload: run }, now);
      }
      const items = readers.activity(pending.activity);
      if (items.length > 0)
        this.broadcast({ type: "activity", payload: items }, now, () => ({
          type: "activity",
          payload: readers.feed(),
        }));
    }
    this.save(rest);
    this.schedule.cancel(TASK);
    if (waiting.length > 0)
      this.schedule.soon(TASK, Math.min(...waiting.map((t) => this.dueAt(t))));
  }

  /** `anomalies` rides with the paced `alerts`: a burst of alert changes costs it no more. */
  /**
   * A derived list (marked by every change of its source) goes out only when its content did
   * change: most alert changes leave the open anomalies as they were. The last one sent is
   * remembered by hash in storage (one meta row per derived list), so eviction forgets nothing.
   */
  private unchanged(type: ListType, event: ChangeEvent): boolean {
    if (!DERIVED_TYPES.has(type)) return false;
    const key = `outlet-last:${type}`;
    const hash = hashOf(JSON.stringify(event.payload));
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)
      .next();
    // Never sent: the list every workspace starts with is empty.
    const last = row.done ? EMPTY_HASH : row.value.value;
    if (last === hash) return true;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, hash);
    return false;
  }

  private dueAt(type: ListType): number {
    return type === "alerts" || type === "anomalies" ? this.alertsFrom : 0;
  }

  /** End of this turn when something is due now; else the alarm at the earliest due time. */
  private plan(pending: Pending, now: number): void {
    // Everything pending waits for a paced list: the items ride along with it.
    const allWait = pending.lists.length > 0 && pending.lists.every((t) => this.dueAt(t) > now);
    if (!allWait) {
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        try {
          this.flush(Date.now());
        } catch (error) {
          console.error("Workspace:outlet flush", logSafe(error));
        }
      });
      return;
    }
    this.schedule.soon(TASK, Math.min(...pending.lists.map((t) => this.dueAt(t))));
  }

  private save(pending: Pending): void {
    // Ids in order of change, each once, the newest MAX_PENDING_IDS.
    const trim = (ids: string[]) => [...new Set(ids)].slice(-MAX_PENDING_IDS);
    const next = {
      ...pending,
      pipelines: trim(pending.pipelines),
      activity: trim(pending.activity),
    };
    if (next.lists.length + next.pipelines.length + next.activity.length === 0) {
      this.sql.exec("DELETE FROM meta WHERE key = ?", PENDING_KEY);
      return;
    }
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      PENDING_KEY,
      JSON.stringify(next),
    );
  }

  private pending(): Pending {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", PENDING_KEY)
      .next();
    const parsed = row.done ? undefined : Pending.safeParse(JSON.parse(row.value.value));
    if (!parsed?.success) return { lists: [], pipelines: [], activity: [] };
    return { ...parsed.data, lists: parsed.data.lists.filter(isList) };
  }
}

function listEvent<T extends ListType>(readers: OutletReaders, type: T): ChangeEvent {
  // TypeScript cannot relate `type` to its reader's payload through the mapped type.
  return { type, payload: readers.lists[type]() } as ChangeEvent;
}
