import { base64ToBytes, bytesToBase64 } from "../../lib/base64";
import type { NotificationEvent, SlackBlock, SlackMessage } from "../../schema";

/** Slack's limits: header text 150 characters, section text 3000, a field 2000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

const HEADLINES: Record<NotificationEvent["type"], string> = {
  "alert.firing": "Firing",
  "alert.resolved": "Resolved",
  "incident.opened": "Incident opened",
  "incident.updated": "Incident update",
  test: "Test",
};

/**
 * Slack's escaping for text it parses: only `&`, `<` and `>` become entities, so sender text
 * can neither mention (`<!channel>`) nor forge links (`<https://x|y>`).
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function escapeSlack(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Escapes, then clips without cutting an entity in half. */
function clipEscaped(text: string, max: number): string {
  const escaped = escapeSlack(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/&[a-z]*$/, "")}…`;
}

function headline(event: NotificationEvent): string {
  const word = HEADLINES[event.type];
  return event.type === "incident.updated" ? `${word} (${event.data.status})` : word;
}

/**
 * The Slack incoming-webhook body for one event: fallback `text` (notifications, screen
 * readers) and Block Kit blocks: a header, the facts as fields, the message, a link back.
 * @example slackMessage(event) // { text: "Firing: Disk full", blocks: [{ type: "header", … }, …] }
 */
export function slackMessage(event: NotificationEvent): SlackMessage {
  const d = event.data;
  const title = `${headline(event)}: ${d.title}`;
  const field = (name: string, value: string) => ({
    type: "mrkdwn" as const,
    text: `*${name}*\n${clipEscaped(value, FIELD_MAX - name.length - 3)}`,
  });
  const fields = [
    ...(d.severity ? [field("Severity", d.severity)] : []),
    field("Status", d.status),
    ...(d.source ? [field("Source", d.source)] : []),
    ...(d.by ? [field("By", d.by)] : []),
    field("Workspace", d.workspace),
  ];
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: clipEscaped(title, HEADER_MAX), emoji: false },
    },
    { type: "section", fields },
  ];
  if (d.message)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: clipEscaped(d.message, SECTION_MAX) },
    });
  // Our own URL (origin + encoded ids): `|` and `>` cannot occur in it unescaped.
  if (d.url)
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `<${d.url}|Open in Opsdeck>` }],
    });
  const severity = d.severity ? ` (${d.severity})` : "";
  return { text: clipEscaped(`${title}${severity}`, SECTION_MAX), blocks };
}

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed
 * with the base64-decoded part of the `whsec_…` secret.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const raw = base64ToBytes(secret.replace(/^whsec_/, ""));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  );
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The generic webhook request: the event as JSON with the three Standard Webhooks headers. */
export async function webhookRequest(
  event: NotificationEvent,
  messageId: string,
  secret: string,
  nowMs: number,
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(nowMs / 1000);
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "webhook-id": messageId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signWebhook(secret, messageId, timestamp, body),
    },
  };
}
