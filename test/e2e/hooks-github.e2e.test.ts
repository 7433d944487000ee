import { sign } from "@octokit/webhooks-methods";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { ActivityItem, GithubDeliveryResult, IssuedWebhookIntegration } from "../../schema";
import type { FixtureDoc } from "../../scripts/fixtures/github.mjs";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");
const SECRET = "e2e-github-secret-0123";

function fixture(event: string, index: number): string {
  const file = path.resolve(import.meta.dirname, `../fixtures/github/${event}.json`);
  const doc = JSON.parse(readFileSync(file, "utf8")) as FixtureDoc;
  const found = doc.examples.find((e) => e.origin.endsWith(`#${index}`));
  if (!found) throw new Error(`no fixture ${event}#${index}`);
  return JSON.stringify(found.payload);
}

/** A delivery over real HTTP, headers and signature as GitHub sends them. */
async function deliver(
  ws: E2eWorkspace,
  event: string,
  body: string,
  delivery = crypto.randomUUID(),
) {
  return fetch(`${baseUrl}/w/${ws.id}/hooks/github`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "GitHub-Hookshot/e2e",
      "X-GitHub-Event": event,
      "X-GitHub-Delivery": delivery,
      "X-Hub-Signature-256": await sign(SECRET, body),
    },
    body,
  });
}

describe("GitHub webhooks through wrangler dev", () => {
  let ws: E2eWorkspace;

  beforeAll(async () => {
    ws = await createWorkspace(baseUrl, operatorToken, "gh-e2e");
    const res = await fetch(`${baseUrl}/w/${ws.id}/api/integrations/webhooks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ kind: "github", name: "GitHub", secret: SECRET }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as IssuedWebhookIntegration).integration.endpoint).toBe(
      `/w/${ws.id}/hooks/github`,
    );
  });

  it("applies a published example once, however often it is redelivered", async () => {
    const body = fixture("workflow_run", 1);
    const delivery = crypto.randomUUID();
    const first = await deliver(ws, "workflow_run", body, delivery);
    expect(first.status).toBe(200);
    expect(((await first.json()) as GithubDeliveryResult).status).toBe("accepted");
    const again = await deliver(ws, "workflow_run", body, delivery);
    expect(((await again.json()) as GithubDeliveryResult).status).toBe("duplicate");
    const res = await fetch(`${baseUrl}/w/${ws.id}/api/pipeline/gh-run-289782451`, {
      headers: { Authorization: `Bearer ${ws.viewer}` },
    });
    expect(await res.json()).toMatchObject({ pipeline: { status: "success" } });
  });

  it("refuses a body changed by one byte, and ignores unknown events", async () => {
    const body = fixture("push", 4);
    const res = await fetch(`${baseUrl}/w/${ws.id}/hooks/github`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": await sign(SECRET, body),
      },
      // Same length, one byte different from what was signed.
      body: body.replace("Initial commit", "Initial commiT"),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "signature_invalid" });
    expect((await deliver(ws, "star", fixture("star", 0))).status).toBe(202);
  });

  it("refuses a chunked body over 25 MB with 413", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 26 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${baseUrl}/w/${ws.id}/hooks/github`, {
      method: "POST",
      // Well-formed headers: the Worker checks them before it reads a byte of the body.
      headers: {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": crypto.randomUUID(),
        "X-Hub-Signature-256": `sha256=${"0".repeat(64)}`,
      },
      body: stream,
      // @ts-expect-error -- Node's fetch needs `duplex` for a streamed body; lib.dom lacks it.
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("accepts a delivery near GitHub's 25 MB cap", async () => {
    // The published push example, its commit message padded to ~24 MB.
    const payload = JSON.parse(fixture("push", 4)) as { head_commit: { message: string } };
    payload.head_commit.message = `Initial commit\n${"x".repeat(24 * 1024 * 1024)}`;
    const body = JSON.stringify(payload);
    const started = performance.now();
    const res = await deliver(ws, "push", body);
    const ms = Math.round(performance.now() - started);
    expect(res.status).toBe(200);
    console.log(
      `github delivery of ${(body.length / 1048576).toFixed(1)} MiB accepted in ${ms} ms`,
    );
    const list = await fetch(`${baseUrl}/w/${ws.id}/api/activity`, {
      headers: { Authorization: `Bearer ${ws.viewer}` },
    });
    const { activities } = (await list.json()) as { activities: ActivityItem[] };
    expect(activities.find((a) => a.description === "Initial commit")).toBeDefined();
  });
});
