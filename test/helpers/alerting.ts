import type {
  Alert,
  AlertmanagerPayload,
  IssuedWebhookIntegration,
  WebhookIntegration,
  WebhookKind,
} from "../../schema";
import amFiring from "../fixtures/alerting/alertmanager-firing.json";
import { bearer, call, jsonInit, type TestWorkspace } from "./workspace";

/** Creates a webhook integration through the admin API; returns it with its credential. */
export async function makeIntegration(
  ws: TestWorkspace,
  kind: WebhookKind,
  extra: Record<string, unknown> = {},
): Promise<IssuedWebhookIntegration> {
  const res = await call(
    `/w/${ws.id}/api/integrations/webhooks`,
    jsonInit(
      "POST",
      { kind, name: `${kind}-${crypto.randomUUID().slice(0, 4)}`, ...extra },
      ws.admin,
    ),
  );
  if (res.status !== 201)
    throw new Error(`create ${kind} integration: ${res.status} ${await res.text()}`);
  return (await res.json()) as IssuedWebhookIntegration;
}

export async function integration(ws: TestWorkspace, id: string): Promise<WebhookIntegration> {
  const res = await call(`/w/${ws.id}/api/integrations/webhooks`, bearer(ws.admin));
  const { integrations } = (await res.json()) as { integrations: WebhookIntegration[] };
  const found = integrations.find((i) => i.id === id);
  if (!found) throw new Error(`no integration ${id}`);
  return found;
}

export async function listAlerts(ws: TestWorkspace): Promise<Alert[]> {
  const res = await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer));
  return ((await res.json()) as { alerts: Alert[] }).alerts;
}

/** POSTs a JSON body (string bodies are sent byte for byte) with optional headers. */
export function postJson(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The captured Alertmanager 0.25 notification (see test/fixtures/alerting/README.md). */
export function amPayload(): AlertmanagerPayload {
  return structuredClone(amFiring) as AlertmanagerPayload;
}

/** An Alertmanager-shaped alert; `fingerprint` and `startsAt` make its identity. */
export function amAlert(
  fingerprint: string,
  overrides: Partial<AlertmanagerPayload["alerts"][number]> = {},
): AlertmanagerPayload["alerts"][number] {
  return {
    status: "firing",
    labels: {
      alertname: `Alert${fingerprint}`,
      severity: "warning",
      instance: `host-${fingerprint}`,
    },
    annotations: { summary: `Summary ${fingerprint}`, description: `Description ${fingerprint}` },
    startsAt: "2026-01-01T00:00:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.example.com/graph",
    fingerprint,
    ...overrides,
  };
}

export function amGroup(
  alerts: AlertmanagerPayload["alerts"],
  overrides: Partial<AlertmanagerPayload> = {},
): AlertmanagerPayload {
  return {
    version: "4",
    groupKey: '{}:{alertname="Test"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver: "opsdeck",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.example.com",
    alerts,
    ...overrides,
  };
}

export async function hmacHex(
  secret: string,
  data: string | Uint8Array<ArrayBuffer>,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The headers Grafana sends for a signed notification: hex HMAC-SHA256 of
 * `<unix seconds>:<raw body>` and that time in the timestamp header (Opsdeck's defaults unless
 * named). `at` is the Unix time in seconds, now by default.
 */
export async function grafanaHeaders(
  secret: string,
  body: string,
  options: { at?: number; signatureHeader?: string; timestampHeader?: string } = {},
): Promise<Record<string, string>> {
  const at = options.at ?? Math.floor(Date.now() / 1000);
  return {
    [options.signatureHeader ?? "X-Grafana-Alerting-Signature"]: await hmacHex(
      secret,
      `${at}:${body}`,
    ),
    [options.timestampHeader ?? "X-Grafana-Alerting-Signature-Timestamp"]: String(at),
  };
}
