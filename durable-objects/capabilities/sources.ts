import type { NotificationChannel, SourceId, SourceStatus } from "../../schema";
import { loadIntervals, staleAfter } from "../collection/intervals";
import { channelSource } from "../domain/notifications";
import { loadSettings } from "../domain/settings";
import { Sources as SourceReports } from "../domain/sources";
import type { ChannelRecord } from "../store/notification-outbox";
import type { AlarmTasks, Host } from "./host";

const STALE_TASK = "sources:stale";

/** Webhook senders whose deliveries report them live. */
export type SenderSource = Extract<SourceId, "alertmanager" | "grafana" | "pagerduty">;

/**
 * Where every number comes from and how fresh it is. `list()` is the one answer to "what state
 * is each source in": the socket snapshot, the first paint, `GET api/status`, `/metrics` and the
 * public status page all read it, so they cannot disagree.
 */
export class SourceStates {
  readonly reports: SourceReports;
  /** When each sender's live report was last written and last broadcast (memory only). */
  private readonly liveReports = new Map<string, { written: number; sent: number }>();

  constructor(
    private readonly host: Host,
    /** Sources configured outside the settings: webhook integrations, watched chains. */
    private readonly alsoConfigured: () => Iterable<SourceId>,
  ) {
    this.reports = new SourceReports(host.sql);
  }

  list(now = Date.now()): SourceStatus[] {
    return this.reports.list(
      loadSettings(this.host.sql),
      new Set<string>(this.alsoConfigured()),
      staleAfter(loadIntervals(this.host.sql)),
      now,
    );
  }

  readonly tasks: AlarmTasks = {
    // A live collected source just crossed its stale-after limit: say so to open screens.
    [STALE_TASK]: (now) => {
      this.host.schedule.cancel(STALE_TASK);
      this.publish(new Date(now));
    },
  };

  /** The list changed (a source was configured, removed, or changed state): send it. */
  publish(now: Date): void {
    this.host.publish({ type: "sources", payload: this.list(now.getTime()) }, now);
  }

  /**
   * The list as screens are told it (frames, snapshot), and the plan for the next moment a
   * live source would turn stale by age alone: the `sources:stale` task sends the list again
   * then, so an open dashboard shows it without waiting for another change or a reload.
   */
  shown(now = Date.now()): SourceStatus[] {
    const list = this.list(now);
    const limits = staleAfter(loadIntervals(this.host.sql));
    const edges = list.flatMap((s) => {
      const limit = limits[s.id];
      return s.status === "live" && limit !== undefined && s.lastSuccessAt
        ? [Date.parse(s.lastSuccessAt) + limit + 1]
        : [];
    });
    const next = edges.length > 0 ? Math.min(...edges) : undefined;
    const { schedule } = this.host;
    if (next !== undefined && schedule.dueAt(STALE_TASK) === next) return list;
    // Replaced, not only moved earlier: a source that succeeded again turns stale later.
    schedule.cancel(STALE_TASK);
    if (next !== undefined && next > now) schedule.soon(STALE_TASK, next);
    return list;
  }

  /** A webhook source is live; its timestamp alone is broadcast at most once a minute. */
  reportLive(id: SenderSource, now: Date): void {
    const t = now.getTime();
    const seen = this.liveReports.get(id);
    // Under sustained ingest the stored report is refreshed every few seconds, not per event.
    if (seen && t - seen.written < 5_000) return;
    const at = now.toISOString();
    const previous = seen ? undefined : this.list().find((s) => s.id === id);
    this.reports.report({ id, status: "live", lastSuccessAt: at, lastAttemptAt: at });
    const lastSent =
      seen?.sent ??
      (previous?.status === "live" && previous.lastSuccessAt
        ? Date.parse(previous.lastSuccessAt)
        : 0);
    const send = t - lastSent > 60_000;
    if (send) this.publish(now);
    this.liveReports.set(id, { written: t, sent: send ? t : lastSent });
  }

  /** A notification channel's delivery state as its source, broadcast when it changed. */
  reportChannel(channel: NotificationChannel, record: ChannelRecord, now: Date): void {
    const status = channelSource(channel, record);
    if (!status) return;
    const before = this.reports.get(channel);
    if (JSON.stringify(before) === JSON.stringify(status)) return;
    this.reports.report(status);
    this.publish(now);
  }
}
