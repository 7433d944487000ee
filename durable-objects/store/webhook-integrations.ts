import {
  DeliveryStats,
  EMPTY_STATS,
  GrafanaOptions,
  WebhookIntegration,
  fail,
  ok,
  type CreateWebhookIntegrationBody,
  type DeliveryOutcome,
  type IssuedWebhookIntegration,
  type Outcome,
  type RotateWebhookBody,
  type WebhookKind,
} from "../../schema";
import { randomSecret, sha256Hex } from "../lib/crypto";
import type { SecretBox } from "./secret-box";

type Row = {
  id: string;
  kind: string;
  name: string;
  secret_sealed: string | null;
  secret_hash: string | null;
  previous_sealed: string | null;
  previous_hash: string | null;
  previous_until: number | null;
  options: string | null;
  created_at: string;
  created_by: string;
  stats: string;
};

/** A credential a receiver may check a delivery against: an HMAC secret, opened. */
export type HmacCandidate = { integrationId: string; secret: string; grafana?: GrafanaOptions };

/** HMAC kinds keep a sealed secret (needed to recompute signatures); the others only a hash. */
const usesHmac = (kind: WebhookKind) => kind === "github" || kind === "grafana";

function endpointFor(kind: WebhookKind, workspace: string): string {
  return kind === "pagerduty" ? "/v2/enqueue" : `/w/${workspace}/hooks/${kind}`;
}

/**
 * Per-workspace webhook integrations: credentials (sealed or hashed, never returned after
 * creation), rotation with an overlap window and delivery counters. The deliveries already
 * applied are remembered in `DeliveryMemory` (delivery-memory.ts).
 */
export class WebhookIntegrations {
  constructor(
    private readonly sql: SqlStorage,
    private readonly workspaceId: () => string,
  ) {}

  /**
   * Creates an integration, or returns undefined when the workspace already has `max`. The
   * count is taken after the only await, so no other request slips in before the insert.
   */
  async create(
    box: SecretBox,
    body: CreateWebhookIntegrationBody,
    createdBy: string,
    now: Date,
    max = Number.POSITIVE_INFINITY,
  ): Promise<IssuedWebhookIntegration | undefined> {
    const id = crypto.randomUUID();
    const credential = this.newCredential(body.kind, "secret" in body ? body.secret : undefined);
    const stored = await this.storeCredential(box, body.kind, credential);
    if (this.count() >= max) return undefined;
    const options = body.kind === "grafana" ? GrafanaOptions.parse(body.options ?? {}) : undefined;
    this.sql.exec(
      `INSERT INTO webhook_integrations
        (id, kind, name, secret_sealed, secret_hash, options, created_at, created_by, stats)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      body.kind,
      body.name,
      stored.sealed,
      stored.hash,
      options ? JSON.stringify(options) : null,
      now.toISOString(),
      createdBy,
      JSON.stringify(EMPTY_STATS),
    );
    return { integration: this.get(id, now)!, credential };
  }

  async rotate(
    box: SecretBox,
    id: string,
    body: RotateWebhookBody,
    now: Date,
  ): Promise<Outcome<IssuedWebhookIntegration>> {
    const row = this.row(id);
    if (!row) return fail(404, "not_found", `No webhook integration '${id}'.`, { field: "id" });
    const kind = row.kind as WebhookKind;
    if (body.secret !== undefined && !usesHmac(kind)) {
      return fail(400, "validation_failed", `A ${kind} credential is generated, not chosen.`, {
        field: "json.secret",
      });
    }
    const credential = this.newCredential(kind, body.secret);
    const stored = await this.storeCredential(box, kind, credential);
    this.sql.exec(
      `UPDATE webhook_integrations SET previous_sealed = secret_sealed, previous_hash = secret_hash,
         previous_until = ?, secret_sealed = ?, secret_hash = ? WHERE id = ?`,
      now.getTime() + body.overlapSeconds * 1000,
      stored.sealed,
      stored.hash,
      id,
    );
    return ok({ integration: this.get(id, now)!, credential });
  }

  get(id: string, now: Date): WebhookIntegration | undefined {
    const row = this.row(id);
    return row ? this.view(row, now) : undefined;
  }

  list(now: Date): WebhookIntegration[] {
    return this.sql
      .exec<Row>("SELECT * FROM webhook_integrations ORDER BY created_at")
      .toArray()
      .map((row) => this.view(row, now));
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM webhook_integrations").one().n;
  }

  delete(id: string): boolean {
    return this.sql.exec("DELETE FROM webhook_integrations WHERE id = ?", id).rowsWritten > 0;
  }

  kinds(): Set<WebhookKind> {
    const rows = this.sql
      .exec<{ kind: string }>("SELECT DISTINCT kind FROM webhook_integrations")
      .toArray();
    return new Set(rows.map((r) => r.kind as WebhookKind));
  }

  idsOfKind(kind: WebhookKind): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM webhook_integrations WHERE kind = ?", kind)
      .toArray()
      .map((r) => r.id);
  }

  /** Current and still-overlapping previous HMAC secrets of a kind, opened for verification. */
  async hmacCandidates(box: SecretBox, kind: WebhookKind, now: Date): Promise<HmacCandidate[]> {
    const rows = this.sql
      .exec<Row>("SELECT * FROM webhook_integrations WHERE kind = ?", kind)
      .toArray();
    const candidates: HmacCandidate[] = [];
    for (const row of rows) {
      const grafana = row.options ? GrafanaOptions.parse(JSON.parse(row.options)) : undefined;
      if (row.secret_sealed)
        candidates.push({
          integrationId: row.id,
          secret: await box.open(row.secret_sealed),
          grafana,
        });
      if (row.previous_sealed && (row.previous_until ?? 0) > now.getTime()) {
        candidates.push({
          integrationId: row.id,
          secret: await box.open(row.previous_sealed),
          grafana,
        });
      }
    }
    return candidates;
  }

  /** The integration a bearer token or routing key belongs to (current or overlapping previous). */
  async byCredential(
    kind: WebhookKind,
    credential: string,
    now: Date,
  ): Promise<string | undefined> {
    const hash = await sha256Hex(credential);
    const row = this.sql
      .exec<{ id: string }>(
        `SELECT id FROM webhook_integrations WHERE kind = ?
           AND (secret_hash = ? OR (previous_hash = ? AND previous_until > ?))`,
        kind,
        hash,
        hash,
        now.getTime(),
      )
      .next();
    return row.done ? undefined : row.value.id;
  }

  /**
   * Counts a delivery; rejections keep their reason so the UI can say why events are missing.
   * `truncated`: alerts of it stored cut to their size budget.
   */
  record(
    integrationIds: string[],
    outcome: DeliveryOutcome,
    now: Date,
    error?: string,
    truncated = 0,
  ): void {
    for (const id of integrationIds) {
      const row = this.row(id);
      if (!row) continue;
      const stats = DeliveryStats.parse(JSON.parse(row.stats));
      const at = now.toISOString();
      const next: DeliveryStats =
        outcome === "rejected"
          ? {
              ...stats,
              rejected: stats.rejected + 1,
              lastRejectedAt: at,
              lastError: error?.slice(0, 2000),
            }
          : {
              ...stats,
              lastDeliveryAt: at,
              accepted: stats.accepted + (outcome === "accepted" ? 1 : 0),
              duplicates: stats.duplicates + (outcome === "duplicate" ? 1 : 0),
              ignored: stats.ignored + (outcome === "ignored" ? 1 : 0),
              truncated: stats.truncated + truncated,
            };
      this.sql.exec(
        "UPDATE webhook_integrations SET stats = ? WHERE id = ?",
        JSON.stringify(next),
        id,
      );
    }
  }

  /** Counts a delivery refused at the open-alert cap (not a rejection: nothing was wrong with it). */
  recordRefused(integrationId: string, now: Date): void {
    const row = this.row(integrationId);
    if (!row) return;
    const stats = DeliveryStats.parse(JSON.parse(row.stats));
    const next: DeliveryStats = {
      ...stats,
      refused: stats.refused + 1,
      lastRefusedAt: now.toISOString(),
    };
    this.sql.exec(
      "UPDATE webhook_integrations SET stats = ? WHERE id = ?",
      JSON.stringify(next),
      integrationId,
    );
  }

  private newCredential(kind: WebhookKind, chosen: string | undefined): string {
    if (chosen !== undefined) return chosen;
    const prefix = kind === "alertmanager" ? "amk" : kind === "pagerduty" ? "pdk" : "whs";
    return randomSecret(prefix, this.workspaceId());
  }

  private async storeCredential(box: SecretBox, kind: WebhookKind, credential: string) {
    return usesHmac(kind)
      ? { sealed: await box.seal(credential), hash: null }
      : { sealed: null, hash: await sha256Hex(credential) };
  }

  private row(id: string): Row | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM webhook_integrations WHERE id = ?", id).next();
    return row.done ? undefined : row.value;
  }

  private view(row: Row, now: Date): WebhookIntegration {
    const kind = row.kind as WebhookKind;
    const overlapping = row.previous_until !== null && row.previous_until > now.getTime();
    return WebhookIntegration.parse({
      id: row.id,
      kind,
      name: row.name,
      createdAt: row.created_at,
      createdBy: row.created_by,
      secretSet: row.secret_sealed !== null || row.secret_hash !== null,
      previousSecretUntil: overlapping ? new Date(row.previous_until!).toISOString() : undefined,
      grafana: row.options ? JSON.parse(row.options) : undefined,
      endpoint: endpointFor(kind, this.workspaceId()),
      stats: JSON.parse(row.stats),
    });
  }
}
