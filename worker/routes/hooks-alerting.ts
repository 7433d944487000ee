import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import {
  ALERT_HOOK_MAX_BYTES,
  AlertBatchResult,
  AlertmanagerPayload,
  PAGERDUTY_MAX_BYTES,
  PagerDutyChangeEvent,
  PagerDutyEvent,
  PagerDutyResponse,
  WorkspaceSlug,
  decodeJsonObject,
  fail,
  validated,
  type Failure,
  type Outcome,
  type PagerDutyResult,
} from "../../schema";
import type { AppEnv, WorkspaceStub } from "../env";
import { ApiError, pagerDutyFailure } from "../errors";
import { bearerToken } from "../lib/bearer";
import { cancel, readCappedBody } from "../lib/read-capped-body";
import { workspaceOfSecret, workspaceParam } from "../middleware/auth";
import { router } from "../openapi";
import { WorkspaceParams, json } from "./params";
import { logSafe } from "../../lib/log-safe";
import { refuseWithoutIntegration } from "../../durable-objects/domain/grafana-signature";
import {
  alertmanagerTokenRefused,
  routingKeyUnknown,
} from "../../durable-objects/capabilities/senders";
import { clientIp, findWorkspace, workspaceStub } from "../lib/workspace-directory";

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
/** Grafana signs with hex HMAC-SHA256: 64 hex digits in some header. */
const HEX_SIGNATURE = /^\s*[0-9a-fA-F]{64}\s*$/;

const unsupportedType = (): Failure =>
  fail(415, "unsupported_media_type", "Send the body as 'Content-Type: application/json'.");

/** Content type, size, JSON, schema: the first failure, or the validated payload. */
async function parseJson<S extends z.ZodType>(
  req: Request,
  max: number,
  schema: S,
  what: string,
  prefix = "json",
): Promise<Outcome<z.infer<S>>> {
  if (!JSON_TYPE.test(req.headers.get("Content-Type") ?? "")) {
    await cancel(req.body);
    return unsupportedType();
  }
  const body = await readCappedBody(req, max);
  if (!body.ok) return body;
  const object = decodeJsonObject(body.value);
  return object.ok ? validated(schema, object.value, what, prefix) : object;
}

/**
 * A thrown RPC error (object overloaded, storage fault, deploy in progress) is transient:
 * 503 makes Alertmanager, Grafana and PagerDuty clients retry. Never 429 for Alertmanager,
 * which does not retry it.
 */
async function callObject<T>(
  call: () => PromiseLike<T>,
  requestId: string,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    console.error(`request ${requestId}: alert delivery failed:`, logSafe(error));
    return undefined;
  }
}

const unavailable = () =>
  new ApiError(
    503,
    "unavailable",
    "The workspace could not take this delivery now; retry.",
    undefined,
    {
      "Retry-After": "5",
    },
  );

/** A refused delivery as problem+json; a 401 also names the sender's realm to authenticate in. */
function refused(failure: Failure, realm: string): ApiError {
  return ApiError.from(
    failure,
    failure.status === 401 ? { "WWW-Authenticate": `Bearer realm="${realm}"` } : undefined,
  );
}

const hookResponses = {
  200: json(AlertBatchResult, "Applied (or ignored when the notification had no alerts)"),
  400: { description: "Invalid payload: problem+json with issues[]; recorded on the integration" },
  401: { description: "Bearer token or signature missing or invalid" },
  404: { description: "No such integration" },
  413: { description: "Body over the limit" },
  415: { description: "Not JSON" },
  503: {
    description:
      "Transient: retry. `alert_limit` (with Retry-After): the delivery would open alerts past the workspace's open-alert cap and none of it was stored",
  },
} as const;

/**
 * Alert receivers under `/w/:workspace/hooks`. Alertmanager authenticates with a bearer
 * token (`amk.<workspace>.…`, never in the URL: Alertmanager 0.25 logs URLs), Grafana with
 * an HMAC over the raw body. Bad payloads are 4xx (and recorded on the integration so the
 * UI can say why alerts are missing); transient trouble is 503 so the sender retries.
 */
export const alertHookRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/hooks/alertmanager",
      summary: "Alertmanager webhook receiver (payload version 4)",
      description: [
        "Authenticate with `http_config.authorization.credentials: <amk token>`. One alert per",
        "fingerprint + startsAt (repeats bump `count`/`lastSeen`; a re-fire after resolve is a new",
        "alert); alerts absent from a notification are never resolved. Severity is",
        "`labels.severity` (critical, error, warning, info; anything else is warning); title is",
        "`annotations.summary`, else `labels.alertname`; only http(s) links are kept. An unknown",
        "token naming this workspace is 401 and counted as a rejection on every Alertmanager",
        "integration of the workspace; an invalid body is 400 and recorded with its reason on",
        "the integration. A batch is applied atomically; trouble on our side is 503 (retried).",
      ].join(" "),
      request: { params: WorkspaceParams },
      responses: hookResponses,
    }),
    async (c) => {
      const workspace = workspaceParam(c);
      const token = bearerToken(c.req.header("Authorization"));
      if (!token?.startsWith("amk.") || workspaceOfSecret(token) !== workspace)
        throw refused(
          fail(
            401,
            "unauthenticated",
            "Send 'Authorization: Bearer <amk token>' (http_config.authorization.credentials in the Alertmanager receiver).",
          ),
          "opsdeck-alertmanager",
        );
      // The token is checked before a byte of the body is read: a caller without one costs a
      // directory lookup (cached) and one hash in the object, whatever it sends.
      const stub = await workspaceStub(c.env, workspace, clientIp(c.req), () =>
        refused(alertmanagerTokenRefused(), "opsdeck-alertmanager"),
      );
      const known = await callObject<Outcome<void>>(
        async () => await stub.checkAlertmanagerToken(token),
        c.var.requestId,
      );
      if (!known) throw unavailable();
      if (!known.ok) {
        await c.req.raw.body?.cancel();
        throw refused(known, "opsdeck-alertmanager");
      }
      const delivery = await parseJson(
        c.req.raw,
        ALERT_HOOK_MAX_BYTES,
        AlertmanagerPayload,
        "Alertmanager webhook payload (version 4)",
      );
      const result = await callObject<Outcome<AlertBatchResult>>(
        async () => await stub.receiveAlertmanager(token, delivery),
        c.var.requestId,
      );
      if (!result) throw unavailable();
      if (!result.ok) throw refused(result, "opsdeck-alertmanager");
      return c.json(result.value, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/hooks/grafana",
      summary: "Grafana alerting webhook receiver (payload version 1, HMAC-signed)",
      description: [
        "Hex HMAC-SHA256(secret, [timestamp + ':'] + raw body) in X-Grafana-Alerting-Signature",
        "or X-Grafana-Alert-Signature (configurable per integration), checked against every",
        "Grafana integration of the workspace before the body is parsed. 401 signature_missing,",
        "signature_invalid or timestamp_out_of_window; a workspace with no Grafana integration,",
        "or none at all, answers as a wrong signature would. Alerts are handled as for Alertmanager.",
      ].join(" "),
      request: { params: WorkspaceParams },
      responses: hookResponses,
    }),
    async (c) => {
      const workspace = workspaceParam(c);
      const req = c.req.raw;
      // Without anything shaped like a signature there is nothing the object could verify,
      // so an unsigned request never reaches (or creates) a workspace object.
      if (![...req.headers.values()].some((v) => HEX_SIGNATURE.test(v)))
        throw refused(
          fail(
            401,
            "signature_missing",
            "No signature header: set an HMAC secret on the Grafana webhook contact point.",
          ),
          "opsdeck-grafana",
        );
      if (!JSON_TYPE.test(req.headers.get("Content-Type") ?? ""))
        throw ApiError.from(unsupportedType());
      const body = await readCappedBody(req, ALERT_HOOK_MAX_BYTES);
      if (!body.ok) throw ApiError.from(body);
      const headers: Record<string, string> = {};
      for (const [name, value] of req.headers)
        if (name !== "authorization" && name !== "cookie") headers[name] = value;
      // No such workspace: the answer a workspace without a matching secret gives.
      const stub = await workspaceStub(c.env, workspace, clientIp(c.req), async () =>
        refused(await refuseWithoutIntegration(body.value, headers, new Date()), "opsdeck-grafana"),
      );
      const result = await callObject<Outcome<AlertBatchResult>>(
        async () => await stub.receiveGrafana(body.value, headers),
        c.var.requestId,
      );
      if (!result) throw unavailable();
      if (!result.ok) throw refused(result, "opsdeck-grafana");
      return c.json(result.value, 200);
    },
  );

// ── PagerDuty Events API v2 compatible ────────────────────────────────────────────────

const pdUnavailable = (c: Context<AppEnv>) =>
  pagerDutyFailure(c, fail(503, "unavailable", "Temporarily unavailable; retry later."));

/** `pdk.<workspace>.<random>`: the workspace object to ask, before any object is touched. */
function workspaceOfRoutingKey(
  body: Record<string, unknown>,
): Outcome<{ key: string; workspace: string }> {
  const key = body.routing_key;
  if (typeof key !== "string" || key.length === 0)
    return fail(400, "validation_failed", "routing_key is missing.", {
      issues: [{ path: "routing_key", message: "is missing or blank" }],
    });
  const workspace = key.startsWith("pdk.") ? workspaceOfSecret(key) : undefined;
  if (!workspace || !WorkspaceSlug.safeParse(workspace).success) return routingKeyUnknown();
  return { ok: true, value: { key, workspace } };
}

/** The directory's answer as an Outcome, since these routes answer in PagerDuty's shape. */
async function knownWorkspace(
  c: Context<AppEnv>,
  workspace: string,
): Promise<Outcome<WorkspaceStub>> {
  try {
    const stub = await findWorkspace(c.env, workspace, clientIp(c.req));
    return stub ? { ok: true, value: stub } : routingKeyUnknown();
  } catch (error) {
    if (error instanceof ApiError)
      return fail(error.status, error.code, error.detail, {
        retryAfterSeconds: Number(error.headers?.["Retry-After"] ?? 1),
      });
    console.error(`request ${c.var.requestId}: directory lookup failed:`, logSafe(error));
    return fail(503, "unavailable", "Temporarily unavailable; retry later.");
  }
}

/** Reads, checks and routes one PagerDuty-style request; the handler only picks the method. */
async function pdDelivery<S extends z.ZodType>(c: Context<AppEnv>, schema: S, what: string) {
  const req = c.req.raw;
  if (!JSON_TYPE.test(req.headers.get("Content-Type") ?? "")) {
    await cancel(req.body);
    return unsupportedType();
  }
  const body = await readCappedBody(req, PAGERDUTY_MAX_BYTES);
  if (!body.ok) return body;
  const object = decodeJsonObject(body.value);
  if (!object.ok) return object;
  const routed = workspaceOfRoutingKey(object.value);
  if (!routed.ok) return routed;
  // A key naming no workspace is answered as an unknown key of a real one, before the event
  // is validated and without naming an object.
  const stub = await knownWorkspace(c, routed.value.workspace);
  if (!stub.ok) return stub;
  return {
    ok: true as const,
    value: {
      ...routed.value,
      stub: stub.value,
      delivery: validated(schema, object.value, what, ""),
    },
  };
}

const pdResponses = {
  202: json(PagerDutyResponse, "Accepted"),
  400: json(PagerDutyResponse, "Invalid event"),
  404: json(PagerDutyResponse, "Unknown routing key"),
  413: json(PagerDutyResponse, "Body over 512 KB"),
  415: json(PagerDutyResponse, "Not JSON"),
  429: json(
    PagerDutyResponse,
    "Too many events for this routing key, or a trigger that would open an alert past the workspace's open-alert cap; retry after Retry-After",
  ),
  503: json(PagerDutyResponse, "Transient; retry"),
} as const;

/**
 * PagerDuty Events API v2 compatible endpoints at the root, so Alertmanager's
 * `pagerduty_config.url` and Grafana's PagerDuty contact point can point here unchanged.
 * The routing key (`pdk.<workspace>.…`) names the workspace; an unknown key is 404.
 */
export const pagerDutyRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v2/enqueue",
      summary: "PagerDuty Events API v2 compatible alert events (trigger, acknowledge, resolve)",
      description: [
        "The routing key (`pdk.<workspace>.…`) selects the workspace and integration; an unknown",
        "key is 404 (the sender should not retry a misconfiguration). Answers in PagerDuty's",
        "shape: 202 with the dedup_key (generated for a trigger without one), 400 `invalid",
        "event` with errors[], 429 with Retry-After beyond 200 events burst / 100 per second per",
        "key. Acknowledge or resolve of a key with no open alert is 202 and changes nothing.",
      ].join(" "),
      responses: pdResponses,
    }),
    async (c) => {
      const routed = await pdDelivery(c, PagerDutyEvent, "PagerDuty event");
      if (!routed.ok) return pagerDutyFailure(c, routed);
      const { key, stub, delivery } = routed.value;
      const result = await callObject<Outcome<PagerDutyResult>>(
        async () => await stub.receivePagerDuty(key, delivery),
        c.var.requestId,
      );
      if (!result) return pdUnavailable(c);
      if (!result.ok) return pagerDutyFailure(c, result);
      const accepted: PagerDutyResponse = {
        status: "success",
        message: "Event processed",
        dedup_key: result.value.dedupKey,
      };
      return c.json(accepted, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v2/change/enqueue",
      summary: "PagerDuty Events API v2 compatible change events (shown in the activity feed)",
      responses: pdResponses,
    }),
    async (c) => {
      const routed = await pdDelivery(c, PagerDutyChangeEvent, "PagerDuty change event");
      if (!routed.ok) return pagerDutyFailure(c, routed);
      const { key, stub, delivery } = routed.value;
      const result = await callObject<Outcome<{ outcome: "accepted" }>>(
        async () => await stub.receivePagerDutyChange(key, delivery),
        c.var.requestId,
      );
      if (!result) return pdUnavailable(c);
      if (!result.ok) return pagerDutyFailure(c, result);
      const accepted: PagerDutyResponse = { status: "success", message: "Change event processed" };
      return c.json(accepted, 202);
    },
  );
