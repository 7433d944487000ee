import { createServer, type IncomingHttpHeaders } from "node:http";
import type { KnownBlock } from "@slack/types";
import { IncomingWebhook, type IncomingWebhookSendArguments } from "@slack/webhook";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../durable-objects/domain/notifications-deliver";
import {
  escapeSlack,
  slackMessage,
  webhookRequest,
} from "../../durable-objects/domain/notifications-render";
import type { NotificationEvent, SlackMessage } from "../../schema";

/**
 * The wire formats, checked against the providers' own libraries: the Slack body equals what
 * `@slack/webhook`'s `IncomingWebhook.send()` posts for the same `{ text, blocks }` (both
 * requests land on one local server), its blocks type-check as `@slack/types` `KnownBlock`,
 * and the generic webhook's signature verifies with the official `standardwebhooks` package.
 */
const event: NotificationEvent = {
  type: "alert.firing",
  timestamp: "2026-03-01T10:00:00.000Z",
  data: {
    workspace: "demo",
    id: "am.disk1.1772359200000",
    title: "<!channel> Disk & <b>full</b> on db-1",
    message: "Only 1% left <@U123> `rm -rf`",
    severity: "critical",
    status: "firing",
    source: "alertmanager",
    url: "https://opsdeck.example.com/w/demo/alerts/am.disk1.1772359200000",
  },
};

type Captured = { headers: IncomingHttpHeaders; body: string };
const captured: Captured[] = [];
let base = "";
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    captured.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("Slack incoming webhook", () => {
  it("sends byte for byte what @slack/webhook sends for the same { text, blocks }", async () => {
    const message: SlackMessage = slackMessage(event);
    // Compile-time: our blocks are Block Kit blocks as Slack's own types define them.
    const blocks: KnownBlock[] = message.blocks;
    const args: IncomingWebhookSendArguments = { text: message.text, blocks };
    captured.length = 0;
    await new IncomingWebhook(`${base}/services/T0/B0/official`).send(args);
    const target = { channel: "slack" as const, url: `${base}/services/T0/B0/ours`, host: "x" };
    const attempt = await send(target, event, "msg_1", Date.now());
    expect(attempt).toMatchObject({
      outcome: "delivered",
      status: 200,
      detail: "Slack answered 200 OK",
    });
    const [official, ours] = captured;
    expect(ours!.body).toBe(official!.body);
    expect(ours!.headers["content-type"]).toBe(official!.headers["content-type"]);
  });

  it("escapes &, < and > in every piece of sender text, and nothing else", () => {
    expect(escapeSlack("a & b <c> d")).toBe("a &amp; b &lt;c&gt; d");
    const text = JSON.stringify(slackMessage(event));
    for (const raw of ["<!channel>", "<b>", "<@U123>"]) expect(text).not.toContain(raw);
    expect(text).toContain("&lt;@U123&gt; `rm -rf`");
    expect(text).toContain(`<${event.data.url}|Open in Opsdeck>`);
  });

  it("keeps Slack's limits and never cuts an entity in half", () => {
    const long = { ...event, data: { ...event.data, title: "&".repeat(400) } };
    const header = slackMessage(long).blocks[0]!;
    expect(header.type).toBe("header");
    const text = header.type === "header" ? header.text.text : "";
    expect(text.length).toBeLessThanOrEqual(150);
    expect(text).toMatch(/(&amp;)+…$/);
  });
});

describe("Standard Webhooks signature", () => {
  const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

  it("verifies with the official library, and matches its own signature", async () => {
    const now = Date.parse("2026-03-01T10:00:05Z");
    const { body, headers } = await webhookRequest(event, "msg_2a", secret, now);
    const hook = new Webhook(secret);
    const official = hook.sign("msg_2a", new Date(Math.floor(now / 1000) * 1000), body);
    expect(headers["webhook-signature"]).toBe(official);
    // verify() checks the timestamp against the clock: sign one for now.
    const fresh = await webhookRequest(event, "msg_2b", secret, Date.now());
    expect(hook.verify(fresh.body, fresh.headers)).toEqual(event);
    expect(() => hook.verify(fresh.body.replace("critical", "warning"), fresh.headers)).toThrow();
    const other = `whsec_${Buffer.from("another secret of 32 bytes......").toString("base64")}`;
    expect(() => new Webhook(other).verify(fresh.body, fresh.headers)).toThrow();
  });

  it("posts the signed event with the three headers", async () => {
    captured.length = 0;
    const target = { channel: "webhook" as const, url: `${base}/hook`, host: "x", secret };
    await send(target, event, "msg_3", Date.now());
    const [request] = captured;
    expect(request!.headers["webhook-id"]).toBe("msg_3");
    const verified = new Webhook(secret).verify(request!.body, {
      "webhook-id": String(request!.headers["webhook-id"]),
      "webhook-timestamp": String(request!.headers["webhook-timestamp"]),
      "webhook-signature": String(request!.headers["webhook-signature"]),
    });
    expect(verified).toEqual(event);
  });
});
