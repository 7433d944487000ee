import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Principal, Snapshot } from "../../schema";
import { formatAge, formatChange, formatValue, safeHref } from "../../web/components/format";
import { PanelContent } from "../../web/components/panels";
import { DashboardPage } from "../../web/pages/dashboard";
import { LoginPage } from "../../web/pages/login";
import { embedJson, renderPage } from "../../web/render";

const NOW = Date.parse("2026-11-20T12:00:00.000Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const XSS = "<script>alert(1)</script>";
const ATTR = '"><img src=x onerror=alert(1)>';
const viewer: Principal = { tokenId: "tok-1", name: "viewer-bot", role: "viewer" };

function emptySnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    workspace: { id: "demo", name: "Demo" },
    seq: 0,
    metrics: [],
    alerts: [],
    incidents: [],
    deployments: [],
    pipelines: [],
    awsServices: [],
    web3Networks: [],
    activity: [],
    security: [],
    sources: [
      { id: "github", status: "not_configured" },
      { id: "aws", status: "pending" },
      { id: "web3", status: "error", lastError: "eth_chainId timed out" },
      { id: "alertmanager", status: "live", lastSuccessAt: ago(12) },
      { id: "grafana", status: "stale", lastSuccessAt: ago(600), lastError: "HTTP 502" },
      { id: "pagerduty", status: "not_configured" },
      { id: "slack", status: "not_configured" },
    ],
    anomalies: [],
    ...overrides,
  };
}

function fullSnapshot(): Snapshot {
  return emptySnapshot({
    seq: 42,
    metrics: [
      {
        id: "cpu",
        label: "CPU",
        value: 42.456,
        unit: "%",
        change: 4.2,
        trend: "up",
        status: "healthy",
        source: "api",
        updatedAt: ago(12),
      },
      {
        id: "evil",
        label: XSS,
        value: ATTR,
        change: -3,
        trend: "down",
        status: "warning",
        source: ATTR,
        updatedAt: ago(90),
      },
    ],
    alerts: [
      {
        id: "a1",
        title: `${XSS} disk full`,
        message: ATTR,
        severity: "critical",
        timestamp: ago(60),
        acknowledged: false,
        source: "alertmanager",
        status: "firing",
        labels: { instance: ATTR },
        annotations: {},
        links: [
          { href: "javascript:alert(1)", text: "click me" },
          { href: "https://grafana.example/d/1", text: "dashboard" },
        ],
        runbook: "javascript:alert(2)",
        count: 3,
        firstSeen: ago(3600),
        lastSeen: ago(60),
        notes: [],
      },
    ],
    incidents: [
      {
        id: "i1",
        title: "Checkout down",
        description: "",
        severity: "error",
        status: "investigating",
        alertIds: ["a1"],
        createdAt: ago(300),
        updatedAt: ago(120),
        createdBy: "ops",
        timeline: [],
        message: "",
        timestamp: ago(300),
        acknowledged: true,
        source: "alertmanager",
      },
    ],
    deployments: [
      {
        id: "d1",
        name: "api",
        environment: "production",
        status: "success",
        branch: "main",
        commit: "0123456789abcdef0123",
        author: "ana",
        timestamp: ago(7200),
        duration: "3m 5s",
        durationMs: 185_000,
        source: "github",
        url: "javascript:alert(3)",
      },
    ],
    pipelines: [
      {
        id: "p1",
        name: "CI",
        branch: "main",
        commit: "abc1234",
        author: "ana",
        status: "running",
        stages: [
          { id: "s1", name: "build", status: "success", duration: "42s", durationMs: 42_000 },
          { id: "s2", name: "test", status: "running", duration: "in progress", durationMs: 0 },
        ],
        source: "github",
      },
    ],
    awsServices: [
      {
        id: "ec2",
        name: "EC2",
        status: "healthy",
        instances: 4,
        region: "eu-west-1",
        source: "aws",
      },
    ],
    web3Networks: [
      {
        id: "eth",
        name: "Ethereum",
        logo: "https://example.com/eth.svg",
        status: "healthy",
        blockNumber: 21_000_000,
        blockTime: 12,
        tps: 14.5,
        gasPrice: { slow: 10, average: 12, fast: 15 },
        gasTrend: "up",
        source: "web3",
      },
    ],
    activity: [
      {
        id: "act1",
        type: "alert",
        title: XSS,
        description: "fired",
        timestamp: ago(60),
        status: "critical",
      },
    ],
    security: [
      {
        id: "sec1",
        name: "lodash prototype pollution",
        kind: "dependabot",
        status: "failed",
        severity: "error",
        repository: "acme/api",
        timestamp: ago(86_400),
        source: "github",
      },
    ],
  });
}

/** The page without its JSON island, so HTML assertions are not about the island's text. */
function htmlOutsideIsland(page: string): string {
  return page.replace(/<script id="snapshot"[\s\S]*?<\/script>/, "");
}

describe("dashboard page", () => {
  it("renders every panel of the snapshot with values, ages and sources", () => {
    const page = renderPage(
      DashboardPage({ snapshot: fullSnapshot(), principal: viewer, now: NOW }),
    );
    expect(page.startsWith("<!doctype html><html")).toBe(true);
    for (const panel of [
      "sources",
      "metrics",
      "alerts",
      "incidents",
      "deployments",
      "pipelines",
      "awsServices",
      "web3Networks",
      "security",
      "activity",
    ]) {
      expect(page).toContain(`id="panel-${panel}"`);
    }
    expect(page).toContain("42.46%");
    expect(page).toContain("+4.2%");
    expect(page).toContain("updated 12 s ago");
    expect(page).toContain("Checkout down");
    expect(page).toContain("<code>0123456</code>");
    expect(page).toContain("3m 5s");
    expect(page).toMatch(
      /<li data-status="success"><span>build<\/span><span class="visually-hidden">: success<\/span><span class="dur">42s<\/span>/,
    );
    expect(page).toContain("4 instances · eu-west-1");
    expect(page).toContain("block 21,000,000");
    expect(page).toContain("lodash prototype pollution");
    expect(page).toContain('action="/w/demo/logout"');
    expect(page).toContain('<script type="module" src="/assets/live.js"></script>');
  });

  it("shows a deployment still going as in progress, not as a 0s duration", () => {
    const snapshot = fullSnapshot();
    const [done] = snapshot.deployments;
    snapshot.deployments = [
      { ...done!, id: "d2", status: "running", duration: "in progress", durationMs: 0 },
      { ...done!, id: "d3", status: "success", duration: "0s", durationMs: 0 },
      { ...done!, id: "d4", status: "pending", duration: "not started", durationMs: 0 },
    ];
    const page = renderPage(DashboardPage({ snapshot, principal: viewer, now: NOW }));
    expect(page).toMatch(/data-id="d2"[\s\S]*?<td class="num">in progress<\/td>/);
    expect(page).toMatch(/data-id="d3"[\s\S]*?<td class="num">0s<\/td>/);
    expect(page).toMatch(/data-id="d4"[\s\S]*?<td class="num">not started<\/td>/);
  });

  it("offers GitHub actions to operators only when a token is set, and otherwise says why", () => {
    const operator: Principal = { ...viewer, role: "operator" };
    const render = (tokenSet: boolean | undefined, principal = operator) => {
      const snapshot = fullSnapshot();
      snapshot.sources = [{ id: "github", status: "live", tokenSet }];
      return htmlOutsideIsland(renderPage(DashboardPage({ snapshot, principal, now: NOW })));
    };
    // What each action calls or opens: present only with a token.
    const actions = [
      'data-api="/w/demo/api/deployments/d1/rollback"',
      'data-api="/w/demo/api/deployments/d1/retry"',
      'href="/w/demo/deployments/d1#logs"',
      'data-api="/w/demo/api/pipeline/p1/cancel"',
      'href="/w/demo/pipelines/p1#logs"',
      'href="/w/demo/pipelines/p1/logs"',
    ];
    const withToken = render(true);
    for (const action of actions) expect(withToken).toContain(action);
    expect(withToken).not.toContain("need a GitHub token");
    for (const page of [render(false), render(undefined)]) {
      for (const action of actions) expect(page).not.toContain(action);
      expect(page).toContain("Logs, Rollback and Redeploy need a GitHub token.");
      expect(page).toContain("Re-run, Cancel and logs need a GitHub token.");
      expect(page).toContain('href="/w/demo/settings#github"');
    }
    // A viewer is offered neither the actions nor the set-up note.
    expect(render(false, viewer)).not.toContain("need a GitHub token");
  });

  it("shows every source's state: live with age, stale, error with reason, pending, not configured", () => {
    const html = render(h(PanelContent, { panel: "sources", snapshot: emptySnapshot(), now: NOW }));
    expect(html).toMatch(/data-id="alertmanager" data-state="live">.*live · .*reported 12 s ago/);
    expect(html).toMatch(/data-state="stale">.*stale · last success .*10 min ago.* · HTTP 502/);
    expect(html).toContain("error: eth_chainId timed out");
    expect(html).toMatch(/data-id="aws" data-state="pending">.*waiting for first report/);
    expect(html).toMatch(/data-id="github" data-state="not_configured">.*not configured/);
  });

  it("says plainly why a panel is empty, from the sources that feed it, never sample data", () => {
    const page = renderPage(
      DashboardPage({ snapshot: emptySnapshot(), principal: viewer, now: NOW }),
    );
    expect(page).toContain("No source has produced metrics yet.");
    expect(page).toContain("No alerts: Alertmanager or Grafana reported none.");
    expect(page).toContain("No source has produced deployments yet. GitHub is not configured.");
    expect(page).toContain("No AWS services yet: waiting for the first report from AWS.");
    expect(page).toContain("No Web3 networks: Web3 RPC is failing (eth_chainId timed out).");
    expect(page).toContain("No incidents have been opened");
    expect(page).toContain("No activity recorded yet.");
    expect(page).not.toMatch(/class="card"|class="row"/);
  });

  it("escapes hostile labels, titles and attributes: no script or handler from data", () => {
    const page = renderPage(
      DashboardPage({ snapshot: fullSnapshot(), principal: viewer, now: NOW }),
    );
    const outside = htmlOutsideIsland(page);
    expect(outside.match(/<script/g)).toHaveLength(1); // only the module script of the layout
    // The only image is the network's logo, an inline mark (the https logo is not drawn: CSP).
    expect(outside.match(/<img[^>]*>/g)).toEqual([
      expect.stringMatching(/^<img class="logo" src="data:image\/svg\+xml,[^"<>]+" alt[ =]/),
    ]);
    expect(outside).not.toMatch(/<[^>]+\sonerror=/i);
    expect(outside).toContain("&lt;script>alert(1)&lt;/script>");
    expect(outside).toContain("&quot;>&lt;img src=x onerror=alert(1)>");
  });

  it("draws a network's data: logo inside its attribute, whatever it holds", () => {
    const snapshot = fullSnapshot();
    snapshot.web3Networks = snapshot.web3Networks.map((n) => ({
      ...n,
      logo: `data:image/svg+xml,${ATTR}${XSS}`,
    }));
    const outside = htmlOutsideIsland(
      renderPage(DashboardPage({ snapshot, principal: viewer, now: NOW })),
    );
    expect(outside.match(/<script/g)).toHaveLength(1);
    expect(outside).not.toMatch(/<[^>]+\sonerror=/i);
    expect(outside).toContain('<img class="logo" src="data:image/svg+xml,&quot;>');
  });

  it("drops javascript: links to plain text and keeps http(s) links", () => {
    const page = htmlOutsideIsland(
      renderPage(DashboardPage({ snapshot: fullSnapshot(), principal: viewer, now: NOW })),
    );
    expect(page).not.toContain("javascript:");
    expect(page).toContain('<span class="link-text">click me</span>');
    expect(page).toContain('href="https://grafana.example/d/1"');
    expect(page).toContain('rel="noopener noreferrer nofollow"');
  });

  it("embeds the snapshot as a JSON island that no value can break out of", () => {
    const snapshot = fullSnapshot();
    snapshot.workspace.name = "Ops</script><script>alert(1)</script>\u2028\u2029";
    const page = renderPage(DashboardPage({ snapshot, principal: viewer, now: NOW }));
    const island = /<script id="snapshot" type="application\/json">([\s\S]*?)<\/script>/.exec(page);
    expect(island?.[1]).toBeDefined();
    const text = island?.[1] ?? "";
    expect(text).not.toContain("<");
    expect(text).not.toContain("\u2028");
    expect(text).not.toContain("\u2029");
    expect(JSON.parse(text)).toEqual(snapshot);
    expect(page).toContain("<title>Ops&lt;/script>&lt;script>alert(1)&lt;/script>");
  });

  it("escapes '<' and the JS line separators in embedJson", () => {
    expect(embedJson({ a: "</script>\u2028\u2029" })).toBe('{"a":"\\u003c/script>\\u2028\\u2029"}');
  });

  it("marks a polled panel as polled, with its age", () => {
    const html = render(
      h(PanelContent, { panel: "metrics", snapshot: fullSnapshot(), now: NOW, polledAt: ago(20) }),
    );
    expect(html).toContain('class="polled"');
    expect(html).toContain("polled <time");
    expect(html).toContain("20 s ago");
  });
});

describe("login page", () => {
  it("posts the token to the workspace's login and escapes the error", () => {
    const html = renderPage(LoginPage({ workspace: "demo", error: XSS }));
    expect(html).toContain('action="/w/demo/login"');
    expect(html).toContain("&lt;script>alert(1)&lt;/script>");
    expect(html).not.toContain(XSS);
  });
});

describe("formatting shared by server and client", () => {
  it("prints ages, values and changes the same way everywhere", () => {
    expect(formatAge(ago(2), NOW)).toBe("just now");
    expect(formatAge(ago(12), NOW)).toBe("12 s ago");
    expect(formatAge(ago(125), NOW)).toBe("2 min ago");
    expect(formatAge(ago(7200), NOW)).toBe("2 h ago");
    expect(formatAge(ago(3 * 86_400), NOW)).toBe("3 d ago");
    expect(formatAge(ago(-30), NOW)).toBe("in 30 s");
    expect(formatAge(undefined, NOW)).toBe("never");
    expect(formatAge("not a date", NOW)).toBe("at an unknown time");
    expect(formatValue(42.456, "%")).toBe("42.46%");
    expect(formatValue(1_234_567, "req/s")).toBe("1,234,567 req/s");
    expect(formatValue("n/a")).toBe("n/a");
    expect(formatChange(4.2)).toBe("+4.2%");
    expect(formatChange(-3)).toBe("-3%");
    expect(formatChange(0)).toBe("0%");
  });

  it("allows only absolute http(s) links", () => {
    expect(safeHref("https://example.com/x")).toBe("https://example.com/x");
    expect(safeHref("http://example.com")).toBe("http://example.com/");
    for (const bad of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,x",
      "/rel",
      "//evil.example",
      "",
    ]) {
      expect(safeHref(bad)).toBeUndefined();
    }
  });
});
