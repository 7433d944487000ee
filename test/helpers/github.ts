/// <reference types="vite/client" />
import { sign } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import type { IssuedWebhookIntegration } from "../../schema";
import { call, jsonInit, makeWorkspace, type TestWorkspace } from "./workspace";

/** One published example, copied by scripts/fixtures/github.mjs (see test/fixtures/github/README.md). */
export type GithubFixture = {
  action: string | null;
  /** `<file in @octokit/webhooks-examples>#<index>` */
  origin: string;
  /** The webhook in @octokit/openapi-webhooks it was validated against. */
  schema: string;
  schemaDeviations: string[];
  payload: Record<string, unknown>;
};

export type GithubFixtureDoc = {
  source: { package: string; version: string; file: string; event: string };
  validatedAgainst: { package: string; version: string; file: string };
  examples: GithubFixture[];
};

// Tests in workerd cannot read files at run time; Vite inlines the JSON at build time.
const docs = import.meta.glob<GithubFixtureDoc>("../fixtures/github/*.json", {
  eager: true,
  import: "default",
});

/** Fixture documents keyed by event name. */
export const GITHUB_FIXTURES: Record<string, GithubFixtureDoc> = Object.fromEntries(
  Object.values(docs).map((doc) => [doc.source.event, doc]),
);

export function examplesOf(event: string): GithubFixture[] {
  const doc = GITHUB_FIXTURES[event];
  if (!doc) throw new Error(`no fixtures for '${event}'`);
  return doc.examples;
}

/** The example at `index` in the package's list (its `origin`), e.g. `example("push", 4)`. */
export function example(event: string, index: number): GithubFixture {
  const found = examplesOf(event).find((e) => e.origin.endsWith(`#${index}`));
  if (!found) throw new Error(`no fixture ${event}#${index}`);
  return found;
}

/** The body exactly as GitHub sends it: compact JSON. */
export const bodyOf = (fixture: GithubFixture) => JSON.stringify(fixture.payload);

/** `X-Hub-Signature-256` as GitHub computes it, by Octokit's reference implementation. */
export async function githubSignature(secret: string, body: string | Uint8Array): Promise<string> {
  if (typeof body === "string") return sign(secret, body);
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export type GithubWorkspace = TestWorkspace & { secret: string; integrationId: string };

/** A fresh workspace with one GitHub webhook integration. */
export async function githubWorkspace(secret = "gh-secret-0123456789"): Promise<GithubWorkspace> {
  const ws = await makeWorkspace("gh");
  return { ...ws, secret, integrationId: await addGithubWebhook(ws, secret) };
}

/**
 * Adds a GitHub webhook integration, which makes the `github` source configured (pending until
 * a delivery) without a collector run; returns its id.
 */
export async function addGithubWebhook(
  ws: TestWorkspace,
  secret = "gh-secret-0123456789",
): Promise<string> {
  const res = await call(
    `/w/${ws.id}/api/integrations/webhooks`,
    jsonInit("POST", { kind: "github", name: "GitHub", secret }, ws.admin),
  );
  if (res.status !== 201) throw new Error(`create integration: ${res.status} ${await res.text()}`);
  const issued = (await res.json()) as IssuedWebhookIntegration;
  return issued.integration.id;
}

export type DeliverOptions = {
  secret?: string;
  /** A header value to send as is; `null` sends no X-Hub-Signature-256. */
  signature?: string | null;
  delivery?: string;
  contentType?: string;
  headers?: Record<string, string>;
};

/** Posts one delivery the way GitHub does: raw body, event, delivery id and signature headers. */
export async function deliver(
  workspace: string,
  event: string | undefined,
  body: string | Uint8Array<ArrayBuffer>,
  options: DeliverOptions = {},
): Promise<Response> {
  const headers = new Headers({
    "Content-Type": options.contentType ?? "application/json",
    "User-Agent": "GitHub-Hookshot/opsdeck-test",
    "X-GitHub-Delivery": options.delivery ?? crypto.randomUUID(),
    "X-GitHub-Hook-ID": "1",
  });
  if (event !== undefined) headers.set("X-GitHub-Event", event);
  const signature =
    options.signature === undefined
      ? await githubSignature(options.secret ?? "", body)
      : options.signature;
  if (signature !== null) headers.set("X-Hub-Signature-256", signature);
  for (const [k, v] of Object.entries(options.headers ?? {})) headers.set(k, v);
  return call(`/w/${workspace}/hooks/github`, { method: "POST", headers, body });
}

/** Delivers a published example signed with the workspace's secret. */
export function deliverFixture(
  ws: GithubWorkspace,
  event: string,
  fixture: GithubFixture,
  options: DeliverOptions = {},
): Promise<Response> {
  return deliver(ws.id, event, bodyOf(fixture), { secret: ws.secret, ...options });
}
