import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_NAME } from "../../durable-objects/directory";
import { OPERATOR, call, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * "No existence oracle, no objects for strangers": every path a caller without a credential
 * can reach is tried on a slug nobody created. It must name no Workspace object (checked in
 * the Directory and in the namespace's stored objects), and answer byte for byte as the same
 * request answers once the workspace exists and the credential is merely wrong.
 */

const HEX64 = "ab".repeat(32);
/** A fixed request id, so the two answers compared carry the same `requestId`. */
const RID = "edge-probe";

type Probe = { name: string; path: (slug: string) => string; init: (slug: string) => RequestInit };

function withHeaders(init: RequestInit, headers: Record<string, string>): RequestInit {
  const merged = new Headers(init.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  merged.set("X-Request-Id", RID);
  return { ...init, headers: merged };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit =>
  withHeaders(jsonInit("POST", body), headers);

/** One probe per untrusted entry point, each carrying a well-formed but wrong credential. */
const PROBES: Probe[] = [
  {
    name: "API with a token-shaped bearer",
    path: (s) => `/w/${s}/api/status`,
    init: (s) => withHeaders({}, { Authorization: `Bearer odk.${s}.wrongwrongwrong` }),
  },
  {
    name: "Prometheus scrape",
    path: (s) => `/w/${s}/metrics`,
    init: (s) => withHeaders({}, { Authorization: `Bearer odk.${s}.wrongwrongwrong` }),
  },
  {
    name: "sign-in (API)",
    path: (s) => `/w/${s}/api/session`,
    init: (s) => json({ token: `odk.${s}.wrongwrongwrong` }, { "CF-Connecting-IP": "192.0.2.10" }),
  },
  {
    name: "sign-in (form)",
    path: (s) => `/w/${s}/login`,
    init: (s) =>
      withHeaders(
        {
          method: "POST",
          redirect: "manual",
          body: new URLSearchParams({ token: `odk.${s}.wrongwrongwrong` }),
        },
        { "CF-Connecting-IP": "192.0.2.11" },
      ),
  },
  {
    name: "dashboard page with a session cookie",
    path: (s) => `/w/${s}`,
    init: (s) =>
      withHeaders({ redirect: "manual" }, { Cookie: `opsdeck_session=ods.${s}.wrongwrongwrong` }),
  },
  {
    name: "socket upgrade",
    path: (s) => `/w/${s}/ws`,
    init: (s) =>
      withHeaders({}, { Upgrade: "websocket", Authorization: `Bearer odk.${s}.wrongwrongwrong` }),
  },
  {
    name: "CORS preflight",
    path: (s) => `/w/${s}/api/status`,
    init: () =>
      withHeaders(
        { method: "OPTIONS" },
        { Origin: "https://elsewhere.example", "Access-Control-Request-Method": "GET" },
      ),
  },
  {
    name: "Alertmanager hook",
    path: (s) => `/w/${s}/hooks/alertmanager`,
    init: (s) => json({ version: "4", alerts: [] }, { Authorization: `Bearer amk.${s}.wrong` }),
  },
  {
    name: "Grafana hook",
    path: (s) => `/w/${s}/hooks/grafana`,
    init: () => json({ alerts: [] }, { "X-Grafana-Alerting-Signature": HEX64 }),
  },
  {
    name: "GitHub hook",
    path: (s) => `/w/${s}/hooks/github`,
    init: () =>
      json(
        { zen: "hi" },
        {
          "X-GitHub-Event": "ping",
          "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          "X-Hub-Signature-256": `sha256=${HEX64}`,
        },
      ),
  },
  {
    name: "PagerDuty routing key",
    path: () => `/v2/enqueue`,
    init: (s) =>
      json({
        routing_key: `pdk.${s}.wrongwrongwrong`,
        event_action: "trigger",
        payload: { summary: "x", source: "y", severity: "error" },
      }),
  },
  {
    name: "PagerDuty change events",
    path: () => `/v2/change/enqueue`,
    init: (s) =>
      json({ routing_key: `pdk.${s}.wrongwrongwrong`, payload: { summary: "x", source: "y" } }),
  },
];

type Answer = { status: number; body: string; headers: Record<string, string | null> };

async function answer(probe: Probe, slug: string): Promise<Answer> {
  const res = await call(probe.path(slug), probe.init(slug));
  const body = await res.text();
  const pick = ["Content-Type", "WWW-Authenticate", "Location", "Retry-After", "Set-Cookie"];
  return {
    status: res.status,
    body,
    headers: Object.fromEntries(pick.map((h) => [h, res.headers.get(h)])),
  };
}

async function objectExists(slug: string): Promise<boolean> {
  const wanted = env.WORKSPACE.idFromName(slug);
  return (await listDurableObjectIds(env.WORKSPACE)).some((id) => id.equals(wanted));
}

const inDirectory = (slug: string) => env.DIRECTORY.getByName(DIRECTORY_NAME).has(slug);

describe("unknown workspaces", () => {
  it("create no object on any public path and answer as a wrong credential does", async () => {
    const slug = `ghost-${crypto.randomUUID().slice(0, 8)}`;
    const unknown: Answer[] = [];
    for (const probe of PROBES) unknown.push(await answer(probe, slug));
    for (const [i, a] of unknown.entries())
      expect(a.status, PROBES[i]!.name).not.toBeGreaterThanOrEqual(500);
    expect(await inDirectory(slug)).toBe(false);
    expect(await objectExists(slug)).toBe(false);

    // The same slug, now a real workspace: every wrong credential gets the very same bytes.
    const res = await call(
      "/api/workspaces",
      jsonInit("POST", { id: slug, name: "Ghost" }, OPERATOR),
    );
    expect(res.status).toBe(201);
    expect(await inDirectory(slug)).toBe(true);
    expect(await objectExists(slug)).toBe(true);
    for (const [i, probe] of PROBES.entries()) {
      const known = await answer(probe, slug);
      expect(known, probe.name).toEqual(unknown[i]);
    }
  });

  it("a public status page answers an unknown slug as one with nothing published", async () => {
    const ws = await makeWorkspace("pub");
    const slug = `nobody-${crypto.randomUUID().slice(0, 8)}`;
    for (const suffix of ["", ".json", "/badge.svg"]) {
      const init = withHeaders({}, {});
      const real = await call(`/status/${ws.id}${suffix}`, init);
      const ghost = await call(`/status/${slug}${suffix}`, init);
      expect(ghost.status).toBe(404);
      expect(real.status).toBe(404);
      expect((await ghost.text()).replaceAll(slug, "SLUG")).toBe(
        (await real.text()).replaceAll(ws.id, "SLUG"),
      );
      expect(ghost.headers.get("Content-Type")).toBe(real.headers.get("Content-Type"));
    }
    expect(await objectExists(slug)).toBe(false);
  });

  it("a flood of made-up slugs from one address is cut off without touching objects", async () => {
    const before = (await listDurableObjectIds(env.WORKSPACE)).length;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const slug = `probe-${i}-${crypto.randomUUID().slice(0, 6)}`;
      const res = await call(`/w/${slug}/api/status`, {
        headers: { Authorization: `Bearer odk.${slug}.x`, "CF-Connecting-IP": "203.0.113.99" },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toContain(429);
    expect((await listDurableObjectIds(env.WORKSPACE)).length).toBe(before);

    // Another address, and a real workspace's callers, are unaffected.
    const ws = await makeWorkspace();
    const ok = await call(`/w/${ws.id}/api/status`, {
      headers: { Authorization: `Bearer ${ws.viewer}`, "CF-Connecting-IP": "203.0.113.99" },
    });
    expect(ok.status).toBe(200);
    const other = await call(`/w/probe-x-other/api/status`, {
      headers: { Authorization: "Bearer odk.probe-x-other.x", "CF-Connecting-IP": "203.0.113.1" },
    });
    expect(other.status).toBe(401);
  });

  it("refuses malformed slugs before any lookup", async () => {
    const res = await call("/w/Bad_Slug/api/status", {
      headers: { Authorization: "Bearer odk.Bad_Slug.x" },
    });
    expect(res.status).toBe(404);
    expect(await objectExists("Bad_Slug")).toBe(false);
  });
});
