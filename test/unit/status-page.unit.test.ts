import { render } from "preact-render-to-string";
import { describe, expect, it, vi } from "vitest";
import { publicView, type StatusFeeds } from "../../durable-objects/domain/status-page";
import { StatusPageConfig, type Metric, type PublicStatus, type SourceStatus } from "../../schema";
import {
  FRESH_SECONDS,
  STALE_SECONDS,
  readPublicStatus,
  type PublicReadDeps,
  type ViewCache,
} from "../../worker/lib/public-status-cache";
import { statusBadgeSvg } from "../../web/components/status-badge";
import { PublicStatusPage } from "../../web/pages/status-public";
import { captureConsole } from "../helpers/console";

const NOW = Date.parse("2026-03-01T12:00:00Z");

function metric(id: string, status: Metric["status"]): Metric {
  return {
    id,
    label: `<script>alert("${id}")</script> db-01.internal.example`,
    value: 98765.4321,
    change: 0,
    trend: "stable",
    status,
    source: "api",
  };
}

const feeds = (overrides: Partial<StatusFeeds> = {}): StatusFeeds => ({
  sources: () => [],
  metrics: () => [],
  openAlerts: () => ({}),
  ...overrides,
});

const config = (components: StatusPageConfig["components"]): StatusPageConfig =>
  StatusPageConfig.parse({ enabled: true, title: "Acme", components });

describe("publicView", () => {
  it("maps each feed to a state and takes the worst per component", () => {
    const sources: SourceStatus[] = [
      { id: "github", status: "live" },
      { id: "aws", status: "stale" },
      {
        id: "alertmanager",
        status: "error",
        lastError: "connect ECONNREFUSED 10.0.0.5:9093 (token ghp_secret)",
      },
      { id: "grafana", status: "not_configured" },
    ];
    const view = publicView(
      config([
        { id: "gh", name: "GitHub", sources: ["github"] },
        { id: "cloud", name: "Cloud", sources: ["github", "aws"] },
        { id: "ingest", name: "Ingest", sources: ["alertmanager", "github"] },
        { id: "dash", name: "Dashboards", sources: ["grafana"] },
        { id: "cpu", name: "CPU", metricIds: ["cpu"] },
        { id: "mem", name: "Memory", metricIds: ["memory"] },
        { id: "old", name: "Old", metricIds: ["gone", "offline"] },
        { id: "mixed", name: "Mixed", sources: ["github"], metricIds: ["gone"] },
      ]),
      feeds({
        sources: () => sources,
        metrics: () => [
          metric("cpu", "critical"),
          metric("memory", "warning"),
          metric("offline", "offline"),
        ],
      }),
      new Date(NOW),
    );
    expect(view.components.map((c) => [c.id, c.state])).toEqual([
      ["gh", "operational"],
      ["cloud", "degraded"],
      ["ingest", "down"],
      ["dash", "unknown"],
      ["cpu", "down"],
      ["mem", "degraded"],
      ["old", "unknown"],
      // Something it cannot see keeps a component from reading "operational".
      ["mixed", "unknown"],
    ]);
    expect(view.state).toBe("down");
    expect(view.updatedAt).toBe(new Date(NOW).toISOString());
    const text = JSON.stringify(view);
    for (const secret of ["ECONNREFUSED", "10.0.0.5", "ghp_secret", "internal", "98765", "script"])
      expect(text).not.toContain(secret);
    expect(Object.keys(view).sort()).toEqual(["components", "state", "title", "updatedAt"]);
  });

  it("counts open alerts at or above the minimum severity; critical means down", () => {
    const component = (minSeverity: "warning" | "error" | "critical") => [
      { id: "alerts", name: "Alerts", alerts: { minSeverity } },
    ];
    const state = (
      minSeverity: "warning" | "error" | "critical",
      open: Partial<Record<"info" | "warning" | "error" | "critical", number>>,
    ) =>
      publicView(config(component(minSeverity)), feeds({ openAlerts: () => open }), new Date(NOW))
        .state;
    expect(state("critical", {})).toBe("operational");
    expect(state("critical", { warning: 3, error: 2 })).toBe("operational");
    expect(state("error", { warning: 3, error: 2 })).toBe("degraded");
    expect(state("warning", { critical: 1 })).toBe("down");
    expect(state("warning", { info: 9 })).toBe("operational");
  });

  it("reads only the feeds the configuration uses", () => {
    const sources = vi.fn(() => []);
    const metrics = vi.fn(() => []);
    const openAlerts = vi.fn(() => ({}));
    publicView(
      config([
        { id: "a", name: "A", alerts: { minSeverity: "critical" } },
        { id: "b", name: "B", alerts: { minSeverity: "error" } },
      ]),
      { sources, metrics, openAlerts },
      new Date(NOW),
    );
    expect(sources).not.toHaveBeenCalled();
    expect(metrics).not.toHaveBeenCalled();
    expect(openAlerts).toHaveBeenCalledTimes(1);
  });

  it("is unknown overall with no components", () => {
    expect(publicView(config([]), feeds(), new Date(NOW)).state).toBe("unknown");
  });
});

describe("StatusPageConfig", () => {
  it("names what is wrong: no feed, duplicate ids, unknown source, unsafe text, extra keys", () => {
    const parsed = StatusPageConfig.safeParse({
      enabled: true,
      title: "Acme\u202Eevil",
      components: [
        { id: "api", name: "API" },
        { id: "api", name: "API 2", sources: ["github"] },
        { id: "x", name: "X", sources: ["nagios"] },
        { id: "y", name: "Y\u0000", alerts: { minSeverity: "critical" }, labels: {} },
      ],
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining([
        "title",
        "components.0",
        "components.2.sources.0",
        "components.3.name",
        "components.3",
      ]),
    );
    // Cross-component checks run once each component is valid on its own.
    const duplicate = StatusPageConfig.safeParse({
      enabled: true,
      title: "Acme",
      components: [
        { id: "api", name: "API", sources: ["github"] },
        { id: "api", name: "API 2", sources: ["github"] },
      ],
    });
    expect(duplicate.error?.issues.map((i) => i.path.join("."))).toEqual(["components.1.id"]);
  });
});

const VIEW: PublicStatus = {
  title: `Acme <b>"status"</b> & co`,
  state: "degraded",
  updatedAt: new Date(NOW - 45_000).toISOString(),
  components: [{ id: "api", name: "<img src=x onerror=alert(1)>", state: "degraded" }],
};

describe("public views", () => {
  it("renders the page escaped, without script, with the answer's age", () => {
    const page = render(PublicStatusPage({ slug: "acme", view: VIEW, now: NOW }));
    expect(page).not.toContain("<b>");
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<script");
    expect(page).toContain("&lt;img src=x onerror=alert(1)>");
    expect(page).toContain("Some systems are degraded");
    expect(page).toContain("Updated 45 s ago");
    expect(page).toContain('href="/status/acme.json"');
  });

  it("draws a shields-style badge with the title escaped", () => {
    const svg = statusBadgeSvg(VIEW.title, "down");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).not.toContain("<b>");
    expect(svg).toContain("&lt;b>&quot;status&quot;&lt;/b> &amp; co");
    expect(svg).toContain(">down</text>");
    expect(svg).toContain('fill="#e05d44"');
    expect(svg).not.toMatch(/<script|<style|href=/);
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    expect(width).toBeGreaterThan(100);
    expect(statusBadgeSvg("status", "missing")).toContain(">not found</text>");
  });
});

/** A Map-backed cache: entries never expire by themselves, so the freshness logic is on its own. */
function memoryCache(): ViewCache & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    match: async (key) => {
      const body = entries.get(key);
      return body === undefined ? undefined : new Response(body);
    },
    put: async (key, response) => void entries.set(key, await response.text()),
    delete: async (key) => entries.delete(key),
  };
}

describe("readPublicStatus", () => {
  const view = (title: string): PublicStatus => ({ ...VIEW, title });
  const setup = (load: PublicReadDeps["load"]) => {
    const cache = memoryCache();
    const pending: Promise<unknown>[] = [];
    const deps = (now: number, client = `c-${crypto.randomUUID()}`): PublicReadDeps => ({
      cache,
      load,
      client,
      now,
      waitUntil: (p) => void pending.push(p),
    });
    return { cache, pending, deps };
  };

  it("asks the object once, then serves from cache until the answer is stale", async () => {
    const load = vi.fn(async () => view("one"));
    const { deps, pending } = setup(load);
    const key = `https://x.test/status/k-${crypto.randomUUID()}.json`;
    expect(await readPublicStatus(key, deps(NOW))).toMatchObject({ kind: "found", cache: "miss" });
    const hit = await readPublicStatus(key, deps(NOW + (FRESH_SECONDS - 1) * 1000));
    expect(hit).toMatchObject({ kind: "found", cache: "hit", view: { title: "one" } });
    expect(load).toHaveBeenCalledTimes(1);

    load.mockImplementation(async () => view("two"));
    const staleAt = NOW + (FRESH_SECONDS + 1) * 1000;
    // Two stale reads at once: both get the old answer, one background read replaces it.
    const [a, b] = await Promise.all([
      readPublicStatus(key, deps(staleAt)),
      readPublicStatus(key, deps(staleAt)),
    ]);
    expect(a).toMatchObject({ cache: "stale", view: { title: "one" } });
    expect(b).toMatchObject({ cache: "stale", view: { title: "one" } });
    await Promise.all(pending);
    expect(load).toHaveBeenCalledTimes(2);
    const refreshed = await readPublicStatus(key, deps(Date.now()));
    expect(refreshed).toMatchObject({ cache: "hit", view: { title: "two" } });
  });

  it("keeps serving the stale answer while the object fails", async () => {
    const load = vi.fn(async () => view("one"));
    const { deps, pending } = setup(load);
    const key = `https://x.test/status/k-${crypto.randomUUID()}.json`;
    await readPublicStatus(key, deps(NOW));
    const warnings = captureConsole("warn");
    load.mockRejectedValue(new Error("overloaded"));
    const stale = await readPublicStatus(key, deps(NOW + (FRESH_SECONDS + 5) * 1000));
    expect(stale).toMatchObject({ kind: "found", cache: "stale", view: { title: "one" } });
    await Promise.all(pending);
    expect(warnings.lines()).toEqual(["public-status: refresh failed overloaded"]);
    const past = NOW + (FRESH_SECONDS + STALE_SECONDS + 1) * 1000;
    expect(await readPublicStatus(key, deps(past))).toEqual({ kind: "unavailable" });
    expect(warnings.lines()).toEqual([
      "public-status: refresh failed overloaded",
      "public-status: read failed overloaded",
    ]);
  });

  it("caches a 404 while fresh only, and ignores entries it cannot read", async () => {
    const load = vi.fn(async (): Promise<PublicStatus | undefined> => undefined);
    const { cache, deps } = setup(load);
    const key = `https://x.test/status/k-${crypto.randomUUID()}.json`;
    expect(await readPublicStatus(key, deps(NOW))).toEqual({ kind: "absent", cache: "miss" });
    expect(await readPublicStatus(key, deps(NOW + 1000))).toEqual({ kind: "absent", cache: "hit" });
    expect(load).toHaveBeenCalledTimes(1);
    await readPublicStatus(key, deps(NOW + FRESH_SECONDS * 1000));
    expect(load).toHaveBeenCalledTimes(2);
    cache.entries.set(key, '{"fetchedAt":"yesterday"}');
    await readPublicStatus(key, deps(NOW));
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("strips anything but the public fields from what the object returns", async () => {
    const leaky = { ...view("one"), lastError: "ghp_secret", labels: { host: "db-01" } };
    const { cache, deps } = setup(async () => leaky);
    const key = `https://x.test/status/k-${crypto.randomUUID()}.json`;
    const read = await readPublicStatus(key, deps(NOW));
    expect(JSON.stringify(read)).not.toContain("ghp_secret");
    expect([...cache.entries.values()].join()).not.toContain("db-01");
  });

  it("limits misses per client, not hits", async () => {
    const load = vi.fn(async (): Promise<PublicStatus | undefined> => undefined);
    const { deps } = setup(load);
    const client = `flood-${crypto.randomUUID()}`;
    const results = [];
    for (let i = 0; i < 25; i++)
      results.push(
        await readPublicStatus(`https://x.test/status/p-${i}-${client}.json`, deps(NOW, client)),
      );
    expect(results.filter((r) => r.kind === "absent")).toHaveLength(20);
    expect(results.at(-1)).toEqual({ kind: "limited", retryAfterSeconds: 2 });
    expect(load).toHaveBeenCalledTimes(20);
    // Already cached: served to the same client although its miss budget is spent.
    const again = await readPublicStatus(
      `https://x.test/status/p-0-${client}.json`,
      deps(NOW, client),
    );
    expect(again).toEqual({ kind: "absent", cache: "hit" });
  });
});
