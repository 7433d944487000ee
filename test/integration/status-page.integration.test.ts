import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Workspace } from "../../durable-objects/workspace";
import type { AuditRecord, PublicStatus, StatusPageConfig, StatusPageResponse } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

/**
 * Every public request carries its own client IP, so the per-IP miss limit of one test
 * cannot spill into another (requests without the header share one bucket).
 */
function visit(path: string, ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`) {
  return call(path, { headers: { "CF-Connecting-IP": `${ip}-${crypto.randomUUID()}` } });
}
const visitFrom = (ip: string, path: string) => call(path, { headers: { "CF-Connecting-IP": ip } });

const putPage = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/status-page`, jsonInit("PUT", body, token));

const simplePage: StatusPageConfig = {
  enabled: true,
  title: "Acme status",
  components: [{ id: "alerting", name: "Alerting", alerts: { minSeverity: "critical" } }],
};

async function enabled(config: StatusPageConfig = simplePage): Promise<TestWorkspace> {
  const ws = await makeWorkspace("pub");
  expect((await putPage(ws, config)).status).toBe(200);
  return ws;
}

async function summary(res: Response): Promise<PublicStatus> {
  expect(res.status).toBe(200);
  return (await res.json()) as PublicStatus;
}

/** `publicStatus` calls per object instance (the objects run in this isolate). */
const publicReads = new WeakMap<object, number>();
const COUNTING = Symbol("counting publicStatus");

/**
 * Counts the object's `publicStatus` calls. The method is wrapped on the class prototype,
 * once, because RPC refuses own properties of the instance; the wrapper only counts.
 */
async function countPublicReads(ws: TestWorkspace): Promise<() => Promise<number>> {
  await runInDurableObject(ws.stub, (instance: Workspace) => {
    const proto = Object.getPrototypeOf(instance) as Workspace & { [COUNTING]?: true };
    if (!proto[COUNTING]) {
      const original = proto.publicStatus;
      proto.publicStatus = function (this: Workspace) {
        publicReads.set(this, (publicReads.get(this) ?? 0) + 1);
        return original.call(this);
      };
      proto[COUNTING] = true;
    }
    publicReads.set(instance, 0);
  });
  return () => runInDurableObject(ws.stub, (instance: Workspace) => publicReads.get(instance) ?? 0);
}

describe("GET/PUT api/status-page (admin)", () => {
  it("is disabled by default and says where the public page will be", async () => {
    const ws = await makeWorkspace("pub");
    const res = await call(`/w/${ws.id}/api/status-page`, bearer(ws.admin));
    expect(res.status).toBe(200);
    const body = (await res.json()) as StatusPageResponse;
    expect(body.statusPage).toEqual({ enabled: false, title: "Status", components: [] });
    expect(body.links).toEqual({
      page: `http://opsdeck.test/status/${ws.id}`,
      summary: `http://opsdeck.test/status/${ws.id}.json`,
      badge: `http://opsdeck.test/status/${ws.id}/badge.svg`,
    });
  });

  it("is admin only: viewer and operator get 403, no credential 401", async () => {
    const ws = await makeWorkspace("pub");
    await expectProblem(
      await call(`/w/${ws.id}/api/status-page`, bearer(ws.viewer)),
      403,
      "forbidden",
    );
    await expectProblem(await putPage(ws, simplePage, ws.viewer), 403, "forbidden");
    await expectProblem(await putPage(ws, simplePage, ws.operator), 403, "forbidden");
    await expectProblem(
      await call(`/w/${ws.id}/api/status-page`, jsonInit("PUT", simplePage)),
      401,
      "unauthenticated",
    );
    const stored = await call(`/w/${ws.id}/api/status-page`, bearer(ws.admin));
    expect(((await stored.json()) as StatusPageResponse).statusPage.enabled).toBe(false);
  });

  it("refuses bad input with 400 and issues naming each field", async () => {
    const ws = await makeWorkspace("pub");
    const res = await putPage(ws, {
      enabled: "yes",
      title: "",
      components: [
        { id: "API", name: "API", metricIds: ["latency"] },
        { id: "empty", name: "Nothing feeds me" },
        { id: "x", name: "X", sources: ["nagios"], hostnames: ["db-01"] },
      ],
    });
    const problem = (await expectProblem(res, 400, "validation_failed")) as unknown as {
      issues: Array<{ path: string; message: string }>;
    };
    const paths = problem.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "json.enabled",
        "json.title",
        "json.components.0.id",
        "json.components.1",
        "json.components.2.sources.0",
        "json.components.2.hostnames",
      ]),
    );
    expect(problem.issues.find((i) => i.path === "json.components.1")?.message).toContain(
      "at least one feed",
    );
    await expectProblem(
      await putPage(ws, { ...simplePage, title: "Acme\u202Egnp.exe" }),
      400,
      "validation_failed",
    );
  });

  it("saves, audits the change with before and after, and reads it back", async () => {
    const ws = await enabled();
    const res = await call(`/w/${ws.id}/api/status-page`, bearer(ws.admin));
    expect(((await res.json()) as StatusPageResponse).statusPage).toEqual(simplePage);
    const audit = await call(`/w/${ws.id}/api/audit?limit=50`, bearer(ws.admin));
    const { entries } = (await audit.json()) as { entries: AuditRecord[] };
    const entry = entries.find((e) => e.action === "status-page.update");
    expect(entry).toMatchObject({ actor: "admin", target: "status-page" });
    expect(JSON.stringify(entry)).toContain('"enabled":true');
  });
});

describe("public status: not there", () => {
  it("404s an unknown workspace in every format, with Cache-Control", async () => {
    const slug = `nope-${crypto.randomUUID().slice(0, 8)}`;
    const json = await visit(`/status/${slug}.json`);
    await expectProblem(json, 404, "not_found");
    expect(json.headers.get("Cache-Control")).toBe("public, max-age=30, s-maxage=30");
    const page = await visit(`/status/${slug}`);
    expect(page.status).toBe(404);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(await page.text()).toContain("Status page not found");
    expect(page.headers.get("Cache-Control")).toContain("max-age=30");
    const badge = await visit(`/status/${slug}/badge.svg`);
    expect(badge.status).toBe(404);
    expect(badge.headers.get("Content-Type")).toContain("image/svg+xml");
    expect(await badge.text()).toContain("not found");
  });

  it("404s a workspace that has not opted in, or has opted out, exactly like an unknown one", async () => {
    const ws = await makeWorkspace("pub");
    const unknown = await visit(`/status/nope-${crypto.randomUUID().slice(0, 8)}.json`);
    const notOptedIn = await visit(`/status/${ws.id}.json`);
    const strip = (p: { instance?: string; requestId?: string }) => ({
      ...p,
      instance: undefined,
      requestId: undefined,
    });
    expect(strip(await notOptedIn.json())).toEqual(strip(await unknown.json()));
    expect(notOptedIn.status).toBe(404);

    // Configured but switched off: still nothing public.
    expect((await putPage(ws, { ...simplePage, enabled: false })).status).toBe(200);
    expect((await visit(`/status/${ws.id}`)).status).toBe(404);
  });

  it("404s malformed slugs without reaching the cache, an object or the miss budget", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;
    const malformed = [
      "/status/UPPER",
      "/status/a",
      "/status/-lead",
      "/status/..%2F..%2Fw%2Fdemo",
      "/status/x_y.json",
      "/status/demo.json.json",
      "/status/%3Cscript%3E.json",
      `/status/${"a".repeat(64)}/badge.svg`,
      "/status/ab%00c",
    ];
    for (let round = 0; round < 4; round++) {
      for (const path of malformed) {
        const res = await visitFrom(ip, path);
        expect(res.status, path).toBe(404);
        // Every read through the cache says how it was served; these never got that far.
        expect(res.headers.get("Opsdeck-Cache"), path).toBeNull();
        expect(res.headers.get("Cache-Control"), path).toContain("max-age=30");
        await res.body?.cancel();
      }
    }
    // 36 malformed requests later, this client's first real miss is still allowed.
    const real = await visitFrom(ip, `/status/nope-${crypto.randomUUID().slice(0, 8)}.json`);
    expect(real.status).toBe(404);
    expect(real.headers.get("Opsdeck-Cache")).toBe("miss");
  });
});

describe("public status: published", () => {
  it("shows only component names and states: no labels, hostnames, values, errors or tokens", async () => {
    const ws = await makeWorkspace("pub");
    const samples = await call(
      `/w/${ws.id}/api/metrics/samples`,
      jsonInit(
        "POST",
        {
          source: "edge-01.internal.example",
          samples: [
            {
              metric: "cpu",
              label: `<script>alert("cpu")</script> db-01.internal.example`,
              value: 97.25,
              unit: "%",
            },
            { metric: "latency", label: "Latency of api.internal.example", value: 123.456 },
          ],
        },
        ws.operator,
      ),
    );
    expect(samples.status).toBe(202);
    const hook = await call(
      `/w/${ws.id}/api/integrations/webhooks`,
      jsonInit("POST", { kind: "alertmanager", name: "am-prod-eu" }, ws.admin),
    );
    expect(hook.status).toBe(201);
    const hookCredential = ((await hook.json()) as { credential: string }).credential;
    await runInDurableObject(ws.stub, (_instance, state) => {
      const report = {
        id: "alertmanager",
        status: "error",
        lastError: "dial tcp 10.20.30.40:9093: connection refused (bearer odk-leaked-secret)",
        lastAttemptAt: new Date().toISOString(),
      };
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO records (kind, id, data, sort_key) VALUES ('source', 'alertmanager', ?, 'alertmanager')",
        JSON.stringify(report),
      );
    });
    await seedAlerts(ws.stub, [
      makeAlert({
        title: `"><img src=x onerror=alert(1)>`,
        message: "disk full on db-01.internal.example",
        severity: "critical",
        labels: {
          alertname: `<script>alert("XSS")</script>`,
          instance: "db-01.internal.example:5432",
        },
        annotations: { runbook_url: "javascript:alert(1)" },
      }),
    ]);
    const config: StatusPageConfig = {
      enabled: true,
      title: `Acme <status> & "co"`,
      components: [
        { id: "api", name: "API", metricIds: ["latency"] },
        { id: "compute", name: "Compute", metricIds: ["cpu"] },
        { id: "alerting", name: "Alerting", alerts: { minSeverity: "critical" } },
        { id: "ingest", name: "Alert ingest", sources: ["alertmanager"] },
        { id: "deploys", name: "Deploys", sources: ["github"] },
      ],
    };
    expect((await putPage(ws, config)).status).toBe(200);

    const json = await visit(`/status/${ws.id}.json`);
    const view = await summary(json.clone());
    expect(view).toEqual({
      title: `Acme <status> & "co"`,
      state: "down",
      updatedAt: expect.any(String),
      components: [
        { id: "api", name: "API", state: "operational" },
        { id: "compute", name: "Compute", state: "down" },
        { id: "alerting", name: "Alerting", state: "down" },
        { id: "ingest", name: "Alert ingest", state: "down" },
        { id: "deploys", name: "Deploys", state: "unknown" },
      ],
    });
    expect(Date.now() - Date.parse(view.updatedAt)).toBeLessThan(60_000);

    const page = await visit(`/status/${ws.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Some systems are down");
    expect(html).toContain("Acme &lt;status> &amp; &quot;co&quot;");
    expect(html).toMatch(/Updated (just now|\d+ s ago)/);
    expect(html).toContain('data-component="compute"');

    const badge = await visit(`/status/${ws.id}/badge.svg`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get("Content-Type")).toBe("image/svg+xml; charset=utf-8");
    const svg = await badge.text();
    expect(svg).toContain(">down</text>");
    expect(svg).not.toContain("<status>");

    const outputs = [await json.text(), html, svg];
    const forbidden = [
      "internal.example",
      "10.20.30.40",
      "connection refused",
      "odk-leaked-secret",
      "97.25",
      "123.456",
      "Latency of",
      "edge-01",
      "am-prod-eu",
      "alertname",
      "onerror",
      "javascript:",
      "<script",
      "lastError",
      "labels",
      hookCredential,
      ws.admin,
      ws.operator,
      ws.viewer,
    ];
    for (const output of outputs)
      for (const secret of forbidden) expect(output, secret).not.toContain(secret);
  });

  it("answers with Cache-Control, the answer's age and embedding-friendly headers", async () => {
    const ws = await enabled();
    for (const path of [
      `/status/${ws.id}`,
      `/status/${ws.id}.json`,
      `/status/${ws.id}/badge.svg`,
    ]) {
      const res = await visit(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Cache-Control"), path).toBe(
        "public, max-age=30, s-maxage=30, stale-while-revalidate=60",
      );
      expect(Number(res.headers.get("Age")), path).toBeLessThan(30);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).not.toContain("script-src");
      expect(csp, path).toContain("frame-ancestors *");
      expect(res.headers.get("X-Frame-Options"), path).toBeNull();
      expect(res.headers.get("Cross-Origin-Resource-Policy"), path).toBe("cross-origin");
      expect(res.headers.get("Access-Control-Allow-Origin"), path).toBe("*");
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      await res.body?.cancel();
    }
    // The rest of the app keeps its own policy.
    const health = await call("/health");
    expect(health.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(health.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
  });
});

describe("public status: served from cache", () => {
  it("answers repeat reads of every format from one cache entry, without calling the object", async () => {
    const ws = await enabled();
    const reads = await countPublicReads(ws);
    const first = await visit(`/status/${ws.id}.json`);
    expect(first.headers.get("Opsdeck-Cache")).toBe("miss");
    const before = await summary(first);
    expect(before.state).toBe("operational");
    expect(await reads()).toBe(1);

    // The state changes behind the cache's back: a critical alert starts firing.
    await seedAlerts(ws.stub, [makeAlert({ severity: "critical" })]);
    const paths = [`/status/${ws.id}.json`, `/status/${ws.id}`, `/status/${ws.id}/badge.svg`];
    for (let i = 0; i < 10; i++) {
      for (const path of paths) {
        const res = await visit(path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("Opsdeck-Cache"), path).toBe("hit");
        await res.body?.cancel();
      }
    }
    const cached = await summary(await visit(`/status/${ws.id}.json?cachebust=${Math.random()}`));
    expect(cached).toEqual(before);
    expect(await reads()).toBe(1);

    // Saving the configuration drops this location's copy, so the admin sees the change now.
    expect((await putPage(ws, { ...simplePage, title: "Acme (new)" })).status).toBe(200);
    const fresh = await visit(`/status/${ws.id}.json`);
    expect(fresh.headers.get("Opsdeck-Cache")).toBe("miss");
    expect(await summary(fresh)).toMatchObject({ title: "Acme (new)", state: "down" });
    expect(await reads()).toBe(2);
  });

  it("caches a 404 too, so probing the same slug does not reach the object", async () => {
    const ws = await makeWorkspace("pub");
    const reads = await countPublicReads(ws);
    await expectProblem(await visit(`/status/${ws.id}.json`), 404, "not_found");
    // Opted in behind the cache's back (not through the API, which would drop the copy).
    await ws.stub.setStatusPage({ tokenId: "t", name: "test", role: "admin" }, simplePage);
    for (let i = 0; i < 5; i++) {
      const res = await visit(`/status/${ws.id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("Opsdeck-Cache")).toBe("hit");
      await res.body?.cancel();
    }
    expect(await reads()).toBe(1);
  });
});

describe("public status: heavy polling", () => {
  it("answers a flood of cache misses from one client with 429 and Retry-After", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 25; i++) {
      const res = await visitFrom(ip, `/status/flood-${crypto.randomUUID().slice(0, 8)}.json`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res.clone();
      await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 404)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    const problem = await expectProblem(limited!, 429, "rate_limited");
    expect(problem.detail).toContain("retry in");
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get("Cache-Control")).toBe("no-store");

    // The page and the badge say the same in their own formats.
    const page = await visitFrom(ip, `/status/flood-${crypto.randomUUID().slice(0, 8)}`);
    expect(page.status).toBe(429);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    const badge = await visitFrom(ip, `/status/flood-${crypto.randomUUID().slice(0, 8)}/badge.svg`);
    expect(badge.status).toBe(429);
    expect(badge.headers.get("Retry-After")).not.toBeNull();

    // Cached pages stay free for the same client; other clients are unaffected.
    const ws = await enabled();
    expect((await visit(`/status/${ws.id}.json`)).status).toBe(200);
    const hit = await visitFrom(ip, `/status/${ws.id}.json`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get("Opsdeck-Cache")).toBe("hit");
    expect((await visit(`/status/flood-${crypto.randomUUID().slice(0, 8)}.json`)).status).toBe(404);
  });
});
