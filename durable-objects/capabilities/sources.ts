import type { NotificationChannel, SourceId, SourceStatus } from "../../schema";
import { loadIntervals, staleAfter } from "../collection/intervals";
import { channelSource } from "../domain/notifications";
import { loadSettings } from "../domain/settings";
import { Sources as SourceReports } from "../domain/sources";
import type { ChannelRecord } from "../store/notification-outbox";
import type { Host } from "./host";

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

  /** Broadcasts the list (a source was configured, removed, or changed state). */
  publish(now: Date): void {
    this.host.publish({ type: "sources", payload: this.list() }, now);
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
