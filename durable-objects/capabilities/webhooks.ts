import {
  WEBHOOK_INTEGRATIONS_MAX,
  fail,
  ok,
  type CreateWebhookIntegrationBody,
  type IssuedWebhookIntegration,
  type Outcome,
  type Principal,
  type RotateWebhookBody,
  type WebhookIntegration,
} from "../../schema";
import { WebhookIntegrations } from "../store/webhook-integrations";
import type { Host } from "./host";

export const SECRETS_KEY_MISSING = () =>
  fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");

/**
 * Sender integrations (GitHub, Alertmanager, Grafana, PagerDuty-style): each holds the
 * credential its sender presents, shown once when created or rotated.
 */
export class Webhooks {
  readonly store: WebhookIntegrations;

  constructor(
    private readonly host: Host,
    /** The set of configured sources changed (an integration was added or removed). */
    private readonly sourcesChanged: (now: Date) => void,
  ) {
    this.store = new WebhookIntegrations(host.sql, () => host.workspaceId());
  }

  list(): WebhookIntegration[] {
    return this.store.list(new Date());
  }

  /**
   * Creates a sender integration, up to `WEBHOOK_INTEGRATIONS_MAX` per workspace (each is
   * checked on every delivery of its kind); its credential is in this result only.
   */
  async create(
    actor: Principal,
    body: CreateWebhookIntegrationBody,
  ): Promise<Outcome<IssuedWebhookIntegration>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const now = new Date();
    const issued = await this.store.create(box, body, actor.name, now, WEBHOOK_INTEGRATIONS_MAX);
    if (!issued)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${WEBHOOK_INTEGRATIONS_MAX} webhook integrations, the most it keeps; delete one it no longer uses first.`,
      );
    const { integration } = issued;
    this.host.audit.record(actor, "webhook.create", integration.id, { after: integration }, now);
    this.sourcesChanged(now);
    return ok(issued);
  }

  async rotate(
    actor: Principal,
    id: string,
    body: RotateWebhookBody,
  ): Promise<Outcome<IssuedWebhookIntegration>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const now = new Date();
    const before = this.store.get(id, now);
    const rotated = await this.store.rotate(box, id, body, now);
    if (rotated.ok) {
      const after = rotated.value.integration;
      this.host.audit.record(actor, "webhook.rotate", id, { before, after }, now);
    }
    return rotated;
  }

  delete(actor: Principal, id: string): Outcome<{ id: string }> {
    const now = new Date();
    const before = this.store.get(id, now);
    if (!before || !this.store.delete(id))
      return fail(404, "not_found", `No webhook integration '${id}'.`, { field: "id" });
    this.host.audit.record(actor, "webhook.delete", id, { before }, now);
    this.sourcesChanged(now);
    return ok({ id });
  }
}
