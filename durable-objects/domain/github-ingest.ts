import {
  LIST_CAPS,
  fail,
  ok,
  type ActivityItem,
  type ChangeEvent,
  type Deployment,
  type GithubDelivery,
  type GithubDeliveryResult,
  type Outcome,
  type Pipeline,
  type SecurityScan,
  type SourceStatus,
} from "../../schema";
import { sha256Hex } from "../lib/crypto";
import type { DeliveryMemory } from "../store/delivery-memory";
import type { RecordStore } from "../store/records";
import type { SecretBox } from "../store/secret-box";
import type { WebhookIntegrations } from "../store/webhook-integrations";
import { mapGithubEvent, type GithubChange } from "../../providers/github/events";
import { changed, mergeDeployment, mergeRun, mergeScan, mergeStage } from "./github-merge";
import { verifyGithubSignature } from "./github-signature";
import type { Sources } from "./sources";
import { logSafe } from "../../lib/log-safe";

/** What the receiver needs from the workspace object (its stores and its publish path). */
export type GithubIngestDeps = {
  exists: () => boolean;
  box: () => Promise<SecretBox | undefined>;
  webhooks: WebhookIntegrations;
  /** Delivery ids and body hashes already applied (replay and redelivery protection). */
  memory: DeliveryMemory;
  /** Makes sure the alarm prunes `memory` later; callable inside the transaction. */
  pruneLater: (now: Date) => void;
  pipelines: RecordStore<typeof Pipeline>;
  deployments: RecordStore<typeof Deployment>;
  security: RecordStore<typeof SecurityScan>;
  activity: RecordStore<typeof ActivityItem>;
  sources: Sources;
  listSources: () => SourceStatus[];
  /** Runs `fn` in one storage transaction: all of it commits, or none of it. */
  transaction: <T>(fn: () => T) => T;
  publish: (event: ChangeEvent, now: Date) => void;
  addActivity: (items: ActivityItem[], now: Date) => void;
};

type Changed = NonNullable<GithubDeliveryResult["changed"]>;

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,99}$/;

/**
 * One GitHub delivery, in this order: the workspace has a GitHub integration (404) → the
 * signature over the raw bytes matches a current or rotating secret (401) → headers name the
 * event and delivery (400) → a delivery whose id OR raw-body SHA-256 was applied before is a
 * 200 duplicate (a GitHub redelivery keeps both; a captured delivery replayed under a new id or
 * event name, neither of which the signature covers, keeps the body) → the body is a JSON
 * object (415/400) → `ping` answers pong → an unmapped event or action is ignored (202, stored
 * nowhere) → the payload has the fields used (400) → in ONE transaction: check for a duplicate
 * again, apply, remember both keys and count it. A delivery whose transaction failed stored
 * nothing, not even its id, so GitHub's redelivery is processed. The Worker has checked the
 * headers' shape and the body's size already. Every rejection is counted on the integration
 * with its reason (on all GitHub integrations when the signature matched none).
 */
export async function ingestGithub(
  deps: GithubIngestDeps,
  delivery: GithubDelivery,
  now: Date,
): Promise<Outcome<GithubDeliveryResult>> {
  if (!deps.exists()) return fail(404, "not_found", "No such workspace.");
  // Without a GitHub integration no secret matches: answered as a wrong signature (below), as
  // an unknown workspace is, since a 404 here would tell strangers that the workspace exists.
  const all = deps.webhooks.idsOfKind("github");
  const box = await deps.box();
  if (!box) return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
  const reject = (ids: string[], status: number, code: string, detail: string, field?: string) => {
    deps.webhooks.record(ids, "rejected", now, `${code}: ${detail}`);
    return fail(status, code, detail, { field });
  };

  const candidates = await deps.webhooks.hmacCandidates(box, "github", now);
  const signature = await verifyGithubSignature(
    delivery.signature256,
    delivery.body,
    candidates,
    delivery.legacySignature,
  );
  if (!signature.ok) return reject(all, 401, "signature_invalid", signature.reason);
  const who = [signature.integrationId];

  const event = delivery.event ?? "";
  if (!EVENT_NAME.test(event))
    return reject(who, 400, "missing_header", "X-GitHub-Event is missing or malformed.");
  const id = delivery.deliveryId ?? "";
  if (!DELIVERY_ID.test(id))
    return reject(who, 400, "missing_header", "X-GitHub-Delivery is missing or malformed.");
  // Neither the id nor the event header is signed: a known id or body is a duplicate before
  // anything is parsed, whatever event name a replay claims (re-checked in the transaction).
  const keys = [`github:${id}`, `github-body:${await sha256Hex(delivery.body)}`];
  if (deps.memory.seen(keys)) return duplicate(deps, who, id, event, now);

  const payload = decodeBody(delivery.contentType, delivery.body);
  if (!payload.ok) return reject(who, payload.status, payload.code, payload.detail);

  if (event === "ping") {
    deps.transaction(() => {
      deps.webhooks.record(who, "accepted", now);
      reportLive(deps, now);
    });
    return ok({ status: "pong", delivery: id, event });
  }
  const mapping = mapGithubEvent(event, payload.value, now);
  if (mapping.outcome === "ignored") {
    deps.webhooks.record(who, "ignored", now);
    return ok({
      status: "ignored",
      delivery: id,
      event,
      action: mapping.action,
      reason: mapping.reason,
    });
  }
  if (mapping.outcome === "invalid") {
    const first = mapping.issues[0];
    const detail = first
      ? `${first.path}: ${first.message} (${mapping.issues.length} problem(s) in the ${event} payload)`
      : `The ${event} payload is not valid.`;
    return reject(who, 400, "invalid_payload", detail, first?.path);
  }

  try {
    return deps.transaction(() => {
      if (deps.memory.seen(keys)) return duplicate(deps, who, id, event, now, mapping.action);
      const result = apply(deps, mapping.change, now);
      deps.memory.remember(keys, signature.integrationId, now);
      deps.pruneLater(now);
      deps.webhooks.record(who, "accepted", now);
      reportLive(deps, now);
      const nothing = Object.values(result).every((ids) => ids.length === 0);
      return ok<GithubDeliveryResult>({
        status: "accepted",
        delivery: id,
        event,
        action: mapping.action,
        changed: result,
        reason: nothing ? "Nothing new: what is stored is as new or newer." : undefined,
      });
    });
  } catch (error) {
    console.error("Workspace:ingestGithub", logSafe(error));
    return reject(
      who,
      503,
      "ingest_failed",
      "Storing this delivery failed and nothing was kept; redeliver it from GitHub.",
    );
  }
}

/** A delivery applied before (by id or by body): acknowledged, counted, not applied again. */
function duplicate(
  deps: GithubIngestDeps,
  who: string[],
  id: string,
  event: string,
  now: Date,
  action?: string,
): Outcome<GithubDeliveryResult> {
  deps.webhooks.record(who, "duplicate", now);
  return ok({ status: "duplicate", delivery: id, event, action });
}

/** Applies one mapped change; returns the ids that actually changed (stale events change none). */
function apply(deps: GithubIngestDeps, change: GithubChange, now: Date): Changed {
  const out: Changed = { pipelines: [], deployments: [], security: [], activity: [] };
  const newActivity: ActivityItem[] = [];
  const addItem = (item: ActivityItem | undefined) => {
    if (item && !deps.activity.get(item.id)) newActivity.push(item);
  };
  switch (change.kind) {
    case "run":
    case "stage": {
      const id = change.kind === "run" ? change.pipeline.id : change.placeholder.id;
      const before = deps.pipelines.get(id);
      const after =
        change.kind === "run"
          ? mergeRun(before, change.pipeline)
          : mergeStage(before, change.placeholder, change.stage);
      if (changed(before, after)) {
        deps.pipelines.put(after);
        deps.publish({ type: "pipeline", payload: after }, now);
        out.pipelines.push(id);
      }
      break;
    }
    case "deployment": {
      const before = deps.deployments.get(change.deployment.id);
      const after = mergeDeployment(before, change.deployment, change.fromStatus);
      if (changed(before, after)) {
        deps.deployments.put(after);
        deps.publish(
          { type: "deployments", payload: deps.deployments.list(LIST_CAPS.deployments) },
          now,
        );
        out.deployments.push(after.id);
        addItem(change.activity);
      }
      break;
    }
    case "security": {
      const before = deps.security.get(change.scan.id);
      const after = mergeScan(before, change.scan);
      if (changed(before, after)) {
        deps.security.put(after);
        deps.publish({ type: "security", payload: deps.security.list(LIST_CAPS.security) }, now);
        out.security.push(after.id);
        addItem(change.activity);
      }
      break;
    }
    case "activity":
      addItem(change.item);
      break;
  }
  deps.addActivity(newActivity, now);
  out.activity.push(...newActivity.map((i) => i.id));
  return out;
}

/** Marks the GitHub source live; tells sockets only when its state changes (not per delivery). */
function reportLive(deps: GithubIngestDeps, now: Date): void {
  const before = deps.listSources().find((s) => s.id === "github");
  const at = now.toISOString();
  deps.sources.report({ id: "github", status: "live", lastSuccessAt: at, lastAttemptAt: at });
  if (before?.status !== "live")
    deps.publish({ type: "sources", payload: deps.listSources() }, now);
}

/**
 * GitHub sends `application/json`, or `application/x-www-form-urlencoded` with the JSON in a
 * `payload` field when the webhook is configured so; both are accepted. The signature was
 * already checked over the bytes as sent, whichever the encoding.
 */
function decodeBody(contentType: string | undefined, body: Uint8Array): Outcome<unknown> {
  const type = (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
  const form = type === "application/x-www-form-urlencoded";
  if (type !== "application/json" && !form)
    return fail(
      415,
      "unsupported_media_type",
      "Send GitHub webhooks as application/json (or application/x-www-form-urlencoded with a payload field).",
    );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return fail(400, "invalid_json", "The body is not UTF-8 text.");
  }
  if (form) {
    const field = new URLSearchParams(text).get("payload");
    if (field === null)
      return fail(
        400,
        "invalid_json",
        "A form-encoded delivery must carry its JSON in a 'payload' field.",
      );
    text = field;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(400, "invalid_json", "The body is not valid JSON (truncated?).");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail(400, "invalid_json", "The body must be a JSON object.");
  return ok(value);
}
