import { createServer, type IncomingMessage, type Server } from "node:http";

/**
 * A loopback stand-in for the places Opsdeck notifies: a Slack incoming webhook
 * (`POST /slack/<key>/…`) and a generic webhook receiver (`POST /hook/<key>/…`). It records
 * every request and answers like Slack does
 * (https://api.slack.com/messaging/webhooks#handling_errors): `200 ok`, or a plain-text
 * error word with its status.
 *
 * Control (per key, so parallel tests never see each other's state):
 * - `POST /__faults {key, kind, faults: Fault[]}` queues the next answers of the Slack
 *   (`kind: "slack"`) or webhook (`"hook"`) receiver, then `200 ok` again;
 * - `GET /__received?key=…` lists what arrived: `{ path, headers, body, at }[]`.
 *
 * Like Slack, a body that is not JSON with `text` or `blocks` gets `400 invalid_payload`.
 */
export type Fault =
  | "invalid_payload"
  | "action_prohibited"
  | "no_service"
  | "channel_is_archived"
  | "rate_limited"
  | "server_error"
  | "unavailable"
  | "leaky";

export type Received = {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
};

/** Slack's documented answers for each fault. */
const ANSWERS: Record<Fault, { status: number; body: string; headers?: Record<string, string> }> = {
  invalid_payload: { status: 400, body: "invalid_payload" },
  action_prohibited: { status: 403, body: "action_prohibited" },
  no_service: { status: 404, body: "no_service" },
  channel_is_archived: { status: 410, body: "channel_is_archived" },
  rate_limited: { status: 429, body: "rate_limited", headers: { "Retry-After": "120" } },
  server_error: { status: 500, body: "rollup_error" },
  unavailable: { status: 503, body: "service unavailable" },
  // Not Slack's: a receiver whose error page carries text that must never be echoed back.
  leaky: { status: 404, body: "LEAKED-UPSTREAM-BODY internal-db.corp:5432 stack trace" },
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function slackPayloadOk(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return (
      typeof parsed === "object" && parsed !== null && ("text" in parsed || "blocks" in parsed)
    );
  } catch {
    return false;
  }
}

export async function startNotifyStandin(): Promise<{ url: string; stop: () => Promise<void> }> {
  const received = new Map<string, Received[]>();
  const faults = new Map<string, Fault[]>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const body = await readBody(req);
    if (req.method === "POST" && url.pathname === "/__faults") {
      const control = JSON.parse(body) as { key: string; kind: string; faults: Fault[] };
      faults.set(`${control.kind}:${control.key}`, [...control.faults]);
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && url.pathname === "/__received") {
      const list = received.get(url.searchParams.get("key") ?? "") ?? [];
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(list));
      return;
    }
    const [, kind, key] = url.pathname.split("/");
    if (req.method !== "POST" || (kind !== "slack" && kind !== "hook") || !key) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("no_service");
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
    );
    const list = received.get(key) ?? [];
    list.push({ path: url.pathname, headers, body, at: Date.now() });
    received.set(key, list);
    const fault = faults.get(`${kind}:${key}`)?.shift();
    if (fault) {
      const a = ANSWERS[fault];
      res.writeHead(a.status, { "Content-Type": "text/plain", ...a.headers }).end(a.body);
      return;
    }
    if (kind === "slack" && !slackPayloadOk(body)) {
      res.writeHead(400, { "Content-Type": "text/plain" }).end("invalid_payload");
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
