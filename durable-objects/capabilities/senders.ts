import {
  GrafanaPayload,
  PagerDutyOpenAlert,
  decodeJsonObject,
  fail,
  ok,
  validated,
  type AlertBatchResult,
  type AlertmanagerPayload,
  type Failure,
  type Outcome,
  type PagerDutyChangeEvent,
  type PagerDutyEvent,
  type PagerDutyResult,
} from "../../schema";
import { activityFor, normaliseAlerts, type IncomingAlert } from "../domain/alert-ingest";
import { PagerDutyAlerts, changeActivity } from "../domain/pagerduty-ingest";
import { refuseWithoutIntegration, verifyGrafana } from "../domain/grafana-signature";
import { TokenBuckets } from "../../lib/token-bucket";
import { RecordStore } from "../store/records";
import type { Activity } from "./activity";
import type { Alerts } from "./alerts";
import type { Host } from "./host";
import type { SourceStates } from "./sources";
import type { Webhooks } from "./webhooks";

/**
 * The one answer to an Alertmanager bearer token that is not valid here, whatever the reason
 * (unknown, rotated out, or no such workspace: the Worker answers that case with it too).
 */
export function alertmanagerTokenRefused(): Failure {
  return fail(401, "unauthenticated", "The bearer token is not valid here.");
}

/** The one answer to a PagerDuty-style routing key that routes nowhere (the Worker's too). */
export function routingKeyUnknown(): Failure {
  return fail(404, "routing_key_unknown", "No integration has this routing key.");
}

/**
 * Alerts in from senders: Alertmanager (bearer token), Grafana (HMAC over the raw body) and
 * PagerDuty-style Events v2 (routing key). The credential picks the integration before the body
 * is read; a batch is applied in one transaction; its frames leave through the outlet.
 */
export class AlertSenders {
  private readonly pagerDuty: PagerDutyAlerts;
  /** PagerDuty-style senders: 200 events burst, 100/s sustained per routing key. */
  private readonly pagerDutyBuckets = new TokenBuckets(200, 100);

  constructor(
    private readonly host: Host,
    private readonly deps: {
      alerts: Alerts;
      activity: Activity;
      webhooks: Webhooks;
      sources: SourceStates;
    },
  ) {
    const open = new RecordStore(host.sql, "pagerduty-open", PagerDutyOpenAlert, (r) => r.id);
    this.pagerDuty = new PagerDutyAlerts(deps.alerts.store, open, deps.alerts.silences);
  }

  /**
   * The bearer token selects the integration; an unknown token is counted as a rejection on
   * every Alertmanager integration of the workspace (one of them is misconfigured, typically
   * after a rotation).
   */
  async alertmanager(
    token: string,
    delivery: Outcome<AlertmanagerPayload>,
  ): Promise<Outcome<AlertBatchResult>> {
    const now = new Date();
    const webhooks = this.deps.webhooks.store;
    const integrationId = await webhooks.byCredential("alertmanager", token, now);
    if (!integrationId) return this.refuseAlertmanagerToken(now);
    if (!delivery.ok) {
      webhooks.record([integrationId], "rejected", now, delivery.detail);
      return delivery;
    }
    const incoming = normaliseAlerts("alertmanager", delivery.value);
    return this.ingest("alertmanager", integrationId, incoming, now);
  }

  /**
   * Whether the bearer token is one of an Alertmanager integration's: the Worker asks before
   * it reads the body, so a caller without a valid token costs no body read or parse. The
   * delivery itself (`alertmanager`) checks again.
   */
  async checkAlertmanagerToken(token: string): Promise<Outcome<void>> {
    const now = new Date();
    const known = await this.deps.webhooks.store.byCredential("alertmanager", token, now);
    return known ? ok(undefined) : this.refuseAlertmanagerToken(now);
  }

  /** An unknown token is counted as a rejection on every Alertmanager integration. */
  private refuseAlertmanagerToken(now: Date): Failure {
    const webhooks = this.deps.webhooks.store;
    const detail = "A delivery was refused: its bearer token is unknown or rotated out.";
    webhooks.record(webhooks.idsOfKind("alertmanager"), "rejected", now, detail);
    return alertmanagerTokenRefused();
  }

  /** The HMAC over the raw body picks the integration; only then is the body parsed. */
  async grafana(
    body: Uint8Array,
    headers: Record<string, string>,
  ): Promise<Outcome<AlertBatchResult>> {
    const now = new Date();
    const box = await this.host.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    const webhooks = this.deps.webhooks.store;
    const candidates = await webhooks.hmacCandidates(box, "grafana", now);
    // Answered as a wrong signature: a 404 here would tell strangers the workspace exists.
    if (candidates.length === 0) return refuseWithoutIntegration(body, headers, now);
    const verified = await verifyGrafana(candidates, body, headers, now);
    if (!verified.ok) {
      webhooks.record(webhooks.idsOfKind("grafana"), "rejected", now, verified.detail);
      return verified;
    }
    const json = decodeJsonObject(body);
    const delivery = json.ok
      ? validated(GrafanaPayload, json.value, "Grafana webhook payload (version 1)")
      : json;
    if (!delivery.ok) {
      webhooks.record([verified.value], "rejected", now, delivery.detail);
      return delivery;
    }
    const incoming = normaliseAlerts("grafana", delivery.value);
    return this.ingest("grafana", verified.value, incoming, now);
  }

  /** Events v2 `enqueue`. Ack or resolve of an unknown dedup key changes nothing. */
  async pagerDutyEvent(
    routingKey: string,
    delivery: Outcome<PagerDutyEvent>,
  ): Promise<Outcome<PagerDutyResult>> {
    const now = new Date();
    const admitted = await this.admitPagerDuty(routingKey, delivery, now);
    if (!admitted.ok) return admitted;
    const { integrationId, event } = admitted.value;
    const { cap } = this.deps.alerts;
    const change = this.host.transaction(() => {
      // A trigger that would open a new alert past the cap is refused before any write.
      const refusal = this.pagerDuty.wouldOpen(event, integrationId) ? cap.admitOne() : undefined;
      if (refusal) {
        this.refuse(integrationId, now);
        return refusal;
      }
      const applied = this.pagerDuty.apply(event, integrationId, now);
      const outcome = applied.kind === "none" ? "ignored" : "accepted";
      this.deps.webhooks.store.record([integrationId], outcome, now);
      return applied;
    });
    if ("ok" in change) return change;
    if (change.kind !== "none") {
      this.deps.alerts.publish(now);
      const created = change.kind === "created" && change.alert ? [change.alert] : [];
      const resolved = change.kind === "resolved" && change.alert ? [change.alert] : [];
      this.deps.activity.add(activityFor("pagerduty", { created, resolved }, now), now);
    }
    this.deps.sources.reportLive("pagerduty", now);
    return ok({
      outcome: change.kind === "none" ? "ignored" : "accepted",
      dedupKey: change.dedupKey,
      alertId: change.alert?.id,
    });
  }

  /** Change events (deploys, config changes) become activity feed items. */
  async pagerDutyChange(
    routingKey: string,
    delivery: Outcome<PagerDutyChangeEvent>,
  ): Promise<Outcome<{ outcome: "accepted" }>> {
    const now = new Date();
    const admitted = await this.admitPagerDuty(routingKey, delivery, now);
    if (!admitted.ok) return admitted;
    this.deps.webhooks.store.record([admitted.value.integrationId], "accepted", now);
    this.deps.activity.add([changeActivity(admitted.value.event, now)], now);
    this.deps.sources.reportLive("pagerduty", now);
    return ok({ outcome: "accepted" });
  }

  /** Counts a delivery refused at the open-alert cap, on the integration and for `/metrics`. */
  private refuse(integrationId: string, now: Date): void {
    this.deps.alerts.cap.refused("open_alert_limit", now);
    this.deps.webhooks.store.recordRefused(integrationId, now);
  }

  /**
   * Applies one Alertmanager/Grafana batch atomically, or none of it when it would open
   * alerts past the cap (the sender retries the whole notification); frames leave paced.
   */
  private async ingest(
    source: "alertmanager" | "grafana",
    integrationId: string,
    incoming: IncomingAlert[],
    now: Date,
  ): Promise<Outcome<AlertBatchResult>> {
    const truncated = incoming.filter((a) => a.truncated !== undefined).length;
    const changes = this.host.transaction(() => {
      const refusal = this.deps.alerts.cap.admitBatch(incoming);
      if (refusal) {
        this.refuse(integrationId, now);
        return refusal;
      }
      const applied = this.deps.alerts.apply(source, incoming, integrationId, now);
      const outcome = incoming.length ? "accepted" : "ignored";
      this.deps.webhooks.store.record([integrationId], outcome, now, undefined, truncated);
      return applied;
    });
    // Refused at the cap: nothing changed, and (as any refused delivery) the strip stays as it was.
    if ("ok" in changes) return changes;
    if (incoming.length) this.deps.alerts.publish(now);
    this.deps.activity.add(activityFor(source, changes, now), now);
    this.deps.sources.reportLive(source, now);
    const all = [...changes.created, ...changes.repeated, ...changes.resolvedUnseen];
    return ok({
      status: "success",
      outcome: incoming.length ? "accepted" : "ignored",
      created: changes.created.length,
      repeated: changes.repeated.length,
      resolved: changes.resolved.length + changes.resolvedUnseen.length,
      suppressed: all.filter((a) => a.status === "suppressed").length,
      ...(truncated > 0 ? { truncated } : {}),
    });
  }

  /** Routing key → integration, then the per-key rate limit, then the body's validity. */
  private async admitPagerDuty<T>(
    routingKey: string,
    delivery: Outcome<T>,
    now: Date,
  ): Promise<Outcome<{ integrationId: string; event: T }>> {
    const webhooks = this.deps.webhooks.store;
    const integrationId = await webhooks.byCredential("pagerduty", routingKey, now);
    if (!integrationId) return routingKeyUnknown();
    const allowed = this.pagerDutyBuckets.take(integrationId, now.getTime());
    if (!allowed.ok)
      return fail(429, "rate_limited", "Events for this routing key arrive too fast.", {
        retryAfterSeconds: allowed.retryAfterSeconds,
      });
    if (!delivery.ok) {
      webhooks.record([integrationId], "rejected", now, delivery.detail);
      return delivery;
    }
    return ok({ integrationId, event: delivery.value });
  }
}
