// The README's sender guides, run as written: its shell examples through real bash, curl and
// openssl against the one `wrangler dev`, its configuration read as the sender would read it.
// If the README and the receivers ever disagree, these tests fail.
import { sign } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MAPPED_EVENTS } from "../../providers/github/events";
import type {
  ActivityItem,
  Alert,
  GithubDeliveryResult,
  IssuedWebhookIntegration,
  SourceStatus,
  WebhookIntegration,
} from "../../schema";
import type { FixtureDoc } from "../../scripts/fixtures/github.mjs";
import { GithubSchemas } from "../peers/github-schemas";
import { documentedAnswer, fill, snippet } from "../helpers/readme-snippets";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

type Problem = { status: number; code: string; detail: string };
type PdAnswer = { status: string; message: string; dedup_key?: string; errors?: string[] };

async function read<T>(ws: E2eWorkspace, what: string): Promise<T> {
  const res = await fetch(`${baseUrl}/w/${ws.id}/api/${what}`, {
    headers: { Authorization: `Bearer ${ws.admin}` },
  });
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const integration = async (ws: E2eWorkspace, id: string) =>
  (
    await read<{ integrations: WebhookIntegration[] }>(ws, "integrations/webhooks")
  ).integrations.find((i) => i.id === id)!;
const source = async (ws: E2eWorkspace, id: string) =>
  (await read<{ sources: SourceStatus[] }>(ws, "status")).sources.find((s) => s.id === id)!;
const alerts = async (ws: E2eWorkspace) => (await read<{ alerts: Alert[] }>(ws, "alerts")).alerts;
const activity = async (ws: E2eWorkspace) =>
  (await read<{ activities: ActivityItem[] }>(ws, "activity")).activities;

/** The three variables every guide's first step reads. */
const common = (ws: E2eWorkspace) => ({
  OPSDECK_URL: baseUrl,
  WORKSPACE: ws.id,
  ADMIN_TOKEN: ws.admin,
});

/** Runs a guide's "create the integration" example and returns what it printed. */
async function create(name: string, ws: E2eWorkspace): Promise<IssuedWebhookIntegration> {
  const run = await runShellSnippet(snippet(name, "sh"), common(ws));
  return printedJson<IssuedWebhookIntegration>(run);
}

describe("README: GitHub webhooks", () => {
  let ws: E2eWorkspace;
  let issued: IssuedWebhookIntegration;
  /** What the README's `POST /repos/{owner}/{repo}/hooks` would send GitHub. */
  let hook: {
    url: string;
    body: { events: string[]; config: { url: string; content_type: string; secret: string } };
  };

  beforeAll(async () => {
    ws = await createWorkspace(baseUrl, operatorToken, "readme-gh");
    issued = await create("github-webhook-create", ws);
    // No GitHub here: a `curl` function records what the example would send instead.
    const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-readme-gh-"));
    try {
      const run = await runShellSnippet(
        snippet("github-webhook-hook", "sh"),
        {
          OPSDECK_URL: baseUrl,
          WORKSPACE: ws.id,
          GITHUB_OWNER: "acme",
          GITHUB_REPO: "shop",
          GITHUB_TOKEN: "github_pat_readme",
          GITHUB_WEBHOOK_SECRET: issued.credential,
        },
        {
          cwd: dir,
          prelude: `curl() { printf '%s\\n' "$@" > args.txt; cat > body.json; }`,
        },
      );
      expect(run.code, run.stderr).toBe(0);
      const args = readFileSync(path.join(dir, "args.txt"), "utf8").split("\n");
      hook = {
        url: args.find((a) => a.startsWith("https://"))!,
        body: JSON.parse(readFileSync(path.join(dir, "body.json"), "utf8")) as typeof hook.body,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** One delivery exactly as GitHub sends it for the configured webhook. */
  async function deliver(event: string, payload: unknown, secret = hook.body.config.secret) {
    const json = JSON.stringify(payload);
    const form = hook.body.config.content_type === "form";
    const body = form ? `payload=${encodeURIComponent(json)}` : json;
    return fetch(hook.body.config.url, {
      method: "POST",
      headers: {
        "Content-Type": form ? "application/x-www-form-urlencoded" : "application/json",
        "User-Agent": "GitHub-Hookshot/readme",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": await sign(secret, body),
      },
      body,
    });
  }

  function examples(event: string): unknown[] {
    const file = path.join(FIXTURES, "github", `${event}.json`);
    return (JSON.parse(readFileSync(file, "utf8")) as FixtureDoc).examples.map((e) => e.payload);
  }

  it("creates the integration the README describes; its credential is the secret", () => {
    expect(issued.integration).toMatchObject({
      kind: "github",
      endpoint: `/w/${ws.id}/hooks/github`,
      secretSet: true,
    });
    expect(issued.credential).toMatch(new RegExp(`^whs\\.${ws.id}\\.`));
  });

  it("the README's webhook is a valid GitHub API request for the receiver's URL and events", () => {
    expect(hook.url).toBe("https://api.github.com/repos/acme/shop/hooks");
    expect(GithubSchemas.load().request("POST", "/repos/{owner}/{repo}/hooks", hook.body)).toEqual(
      [],
    );
    expect(hook.body.config).toMatchObject({
      url: `${baseUrl}/w/${ws.id}/hooks/github`,
      content_type: "json",
      secret: issued.credential,
    });
    // Exactly the events the receiver maps: none it would ignore, none it would miss.
    expect(hook.body.events.toSorted()).toEqual([...MAPPED_EVENTS].sort());
  });

  it("GitHub's ping and every listed event, sent as the webhook sends them, are accepted", async () => {
    const ping = await deliver("ping", examples("ping")[0]);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ status: "pong" });
    expect(await source(ws, "github")).toMatchObject({ status: "live" });

    const unused: string[] = [];
    for (const event of hook.body.events) {
      let accepted = false;
      for (const payload of examples(event)) {
        const res = await deliver(event, payload);
        const result = (await res.json()) as GithubDeliveryResult;
        if (res.status === 200 && result.status === "accepted") {
          accepted = true;
          break;
        }
      }
      if (!accepted) unused.push(event);
    }
    expect(unused).toEqual([]);
    const counted = await integration(ws, issued.integration.id);
    expect(counted.stats).toMatchObject({ rejected: 0 });
    expect(counted.stats.accepted).toBeGreaterThanOrEqual(hook.body.events.length + 1);
  });

  it("what the README says about content types, secrets and other events holds", async () => {
    const payload = examples("push")[0];
    const before = (await integration(ws, issued.integration.id)).stats.rejected;
    // Form-encoded works too: the JSON in a `payload` field, signed as sent.
    const json = JSON.stringify(payload);
    const form = `payload=${encodeURIComponent(json)}`;
    const formed = await fetch(hook.body.config.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": await sign(issued.credential, form),
      },
      body: form,
    });
    expect(formed.status).toBe(200);

    const other = await fetch(hook.body.config.url, {
      method: "POST",
      headers: {
        "Content-Type": "text/plain",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": await sign(issued.credential, json),
      },
      body: json,
    });
    expect(other.status).toBe(415);
    expect(((await other.json()) as Problem).code).toBe("unsupported_media_type");

    const wrong = await deliver("push", payload, "not-the-secret");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Problem).code).toBe("signature_invalid");
    const unsigned = await fetch(hook.body.config.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
      },
      body: json,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as Problem).code).toBe("signature_missing");
    // The content type and the missing signature are refused on their headers, before the
    // workspace is reached; only the wrong secret is counted on the integration.
    const counted = await integration(ws, issued.integration.id);
    expect(counted.stats.rejected).toBe(before + 1);
    expect(counted.stats.lastError).toMatch(
      /^signature_invalid: X-Hub-Signature-256 does not match/,
    );

    // "Send me everything": the events Opsdeck does not map are 202 ignored.
    const star = await deliver("star", examples("star")[0]);
    expect(star.status).toBe(202);
    expect(((await star.json()) as GithubDeliveryResult).status).toBe("ignored");
  });
});

describe("README: Grafana", () => {
  let ws: E2eWorkspace;
  let issued: IssuedWebhookIntegration;
  let dir: string;
  const payload = readFileSync(path.join(FIXTURES, "alerting", "grafana-webhook.json"));

  beforeAll(async () => {
    ws = await createWorkspace(baseUrl, operatorToken, "readme-gf");
    issued = await create("grafana-create", ws);
    dir = mkdtempSync(path.join(tmpdir(), "opsdeck-readme-gf-"));
    // Grafana's documented example payload, byte for byte, as `payload.json`.
    writeFileSync(path.join(dir, "payload.json"), payload);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const signedDelivery = (secret: string) =>
    runShellSnippet(
      snippet("grafana-signed-delivery", "sh"),
      { OPSDECK_URL: baseUrl, WORKSPACE: ws.id, GRAFANA_SECRET: secret },
      { cwd: dir },
    );

  it("creates the integration with the timestamp header the contact point sends", () => {
    expect(issued.integration).toMatchObject({
      kind: "grafana",
      endpoint: `/w/${ws.id}/hooks/grafana`,
      grafana: { timestampHeader: "X-Grafana-Alerting-Signature-Timestamp", toleranceSeconds: 300 },
    });
    expect(issued.credential).toMatch(new RegExp(`^whs\\.${ws.id}\\.`));
  });

  it("a delivery signed as the README shows (openssl, curl) is accepted as documented", async () => {
    const text = snippet("grafana-signed-delivery", "sh");
    const answer = printedJson(await signedDelivery(issued.credential));
    expect(answer).toEqual(documentedAnswer(text));
    const list = (await alerts(ws)).filter((a) => a.source === "grafana");
    expect(list.map((a) => a.title).sort()).toEqual([
      "This alert was triggered for zone eu-1",
      "This alert was triggered for zone us-1",
    ]);
    expect(list.every((a) => a.links.some((l) => l.text === "Silence"))).toBe(true);
    expect(await source(ws, "grafana")).toMatchObject({ status: "live" });
    expect((await integration(ws, issued.integration.id)).stats).toMatchObject({ accepted: 1 });
  });

  it("signed with another secret: 401 signature_invalid, counted with the reason", async () => {
    const answer = printedJson<Problem>(await signedDelivery("whs.not-the-secret"));
    expect(answer).toMatchObject({ status: 401, code: "signature_invalid" });
    const { stats } = await integration(ws, issued.integration.id);
    expect(stats.rejected).toBe(1);
    expect(stats.lastError).toMatch(/^The signature does not match the body/);
  });

  it("the provisioning file's settings are the ones the receiver checks", async () => {
    const yaml = fill(snippet("grafana-provisioning", "yaml"), {
      OPSDECK_URL: baseUrl,
      WORKSPACE: ws.id,
      GRAFANA_SECRET: issued.credential,
    });
    const setting = (key: string) => {
      const value = new RegExp(`^\\s*${key}: (.+)$`, "m").exec(yaml)?.[1];
      if (!value) throw new Error(`no '${key}:' in the README's provisioning file`);
      return value.trim();
    };
    expect(setting("type")).toBe("webhook");
    const header = setting("header");
    const timestampHeader = setting("timestampHeader");
    expect(issued.integration.grafana?.signatureHeaders).toContain(header);
    expect(issued.integration.grafana?.timestampHeader).toBe(timestampHeader);
    // As Grafana signs: hex HMAC-SHA256(secret, timestamp + ":" + body), timestamp in its header.
    const post = (at: number) => {
      const signature = createHmac("sha256", setting("secret"))
        .update(`${at}:`)
        .update(payload)
        .digest("hex");
      return fetch(setting("url"), {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          [header]: signature,
          [timestampHeader]: String(at),
        },
        body: payload,
      });
    };
    const now = Math.floor(Date.now() / 1000);
    const fresh = await post(now);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ status: "success", outcome: "accepted" });
    // More than toleranceSeconds (300) off: refused, as the README says.
    const stale = await post(now - 600);
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as Problem).code).toBe("timestamp_out_of_window");
  });
});

describe("README: PagerDuty Events v2 senders", () => {
  let ws: E2eWorkspace;
  let issued: IssuedWebhookIntegration;

  beforeAll(async () => {
    ws = await createWorkspace(baseUrl, operatorToken, "readme-pd");
    issued = await create("pagerduty-create", ws);
  });

  const send = async (name: string, routingKey: string) =>
    printedJson<PdAnswer>(
      await runShellSnippet(snippet(name, "sh"), {
        OPSDECK_URL: baseUrl,
        ROUTING_KEY: routingKey,
      }),
    );

  it("creates an integration whose credential is the routing key for /v2/enqueue", () => {
    expect(issued.integration).toMatchObject({ kind: "pagerduty", endpoint: "/v2/enqueue" });
    expect(issued.credential).toMatch(new RegExp(`^pdk\\.${ws.id}\\.`));
  });

  it("the README's trigger opens the alert and its resolve resolves it, answered as shown", async () => {
    const trigger = snippet("pagerduty-trigger", "sh");
    expect(await send("pagerduty-trigger", issued.credential)).toEqual(documentedAnswer(trigger));
    const opened = (await alerts(ws)).find((a) => a.dedupKey === "disk-full-db-1");
    expect(opened).toMatchObject({
      status: "firing",
      source: "pagerduty",
      title: "Disk 95% full on db-1",
      severity: "critical",
      labels: { source: "db-1.prod" },
    });
    expect((await activity(ws)).map((a) => a.description)).toContain(
      "critical alert firing (pagerduty)",
    );
    expect(await source(ws, "pagerduty")).toMatchObject({ status: "live" });

    const resolve = snippet("pagerduty-resolve", "sh");
    expect(await send("pagerduty-resolve", issued.credential)).toEqual(documentedAnswer(resolve));
    const resolved = (await alerts(ws)).find((a) => a.id === opened!.id);
    expect(resolved?.status).toBe("resolved");
  });

  it("an unknown routing key and an invalid event are refused in PagerDuty's shape", async () => {
    expect(await send("pagerduty-trigger", `pdk.${ws.id}.not-a-routing-key`)).toMatchObject({
      status: "invalid event",
      message: "Routing key not found",
    });
    expect((await integration(ws, issued.integration.id)).stats.rejected).toBe(0);

    const res = await fetch(`${baseUrl}/v2/enqueue`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        routing_key: issued.credential,
        event_action: "trigger",
        payload: { summary: "no source", severity: "critical" },
      }),
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as PdAnswer;
    expect(answer).toMatchObject({ status: "invalid event", message: "Event object is invalid" });
    expect(answer.errors?.some((e) => e.startsWith("payload.source"))).toBe(true);
    const { stats } = await integration(ws, issued.integration.id);
    expect(stats.rejected).toBe(1);
    expect(stats.lastError).toContain("payload.source");
  });
});
