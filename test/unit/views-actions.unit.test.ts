import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Principal, Role, Snapshot } from "../../schema";
import { problemText } from "../../web/client/actions";
import { LineChart, axisTime, seriesStats } from "../../web/components/chart";
import { PanelContent } from "../../web/components/panels";
import { Bell } from "../../web/components/topbar";
import { DashboardPage } from "../../web/pages/dashboard";
import { SettingsPage } from "../../web/pages/settings";
import { DEFAULT_SETTINGS } from "../../schema";

const NOW = Date.parse("2026-11-20T12:00:00.000Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const XSS = "<script>alert(1)</script>";

function snapshot(): Snapshot {
  return {
    workspace: { id: "demo", name: "Demo" },
    seq: 7,
    metrics: [
      {
        id: "cpu",
        label: "CPU",
        value: 91,
        unit: "%",
        change: 3,
        trend: "up",
        status: "critical",
        source: "api",
        updatedAt: ago(5),
      },
      {
        id: "queue",
        label: XSS,
        value: 4,
        change: 0,
        trend: "stable",
        status: "healthy",
        source: "api",
        updatedAt: ago(5),
      },
    ],
    alerts: [
      {
        id: "a1",
        title: `${XSS} down`,
        message: "",
        severity: "critical",
        timestamp: ago(30),
        acknowledged: false,
        source: "pagerduty",
        status: "firing",
        labels: {},
        annotations: {},
        links: [],
        count: 1,
        firstSeen: ago(30),
        lastSeen: ago(30),
        notes: [],
      },
      {
        id: "a2",
        title: "old",
        message: "",
        severity: "info",
        timestamp: ago(9000),
        acknowledged: true,
        source: "pagerduty",
        status: "acknowledged",
        labels: {},
        annotations: {},
        links: [],
        count: 1,
        firstSeen: ago(9000),
        lastSeen: ago(9000),
        notes: [],
      },
    ],
    incidents: [],
    deployments: [
      {
        id: "d1",
        name: "api",
        environment: "production",
        status: "success",
        branch: "main",
        commit: "abc",
        author: "ana",
        timestamp: ago(60),
        duration: "30s",
        durationMs: 30_000,
        source: "github",
      },
    ],
    pipelines: [
      {
        id: "p1",
        name: "CI",
        branch: "main",
        commit: "abc",
        author: "ana",
        status: "success",
        stages: [],
        source: "github",
        url: "javascript:alert(1)",
      },
    ],
    awsServices: [],
    web3Networks: [],
    activity: [],
    security: [],
    sources: [
      { id: "aws", status: "not_configured" },
      { id: "github", status: "live", tokenSet: true },
    ],
    anomalies: [],
  };
}

const panel = (
  key: "metrics" | "alerts" | "deployments" | "pipelines" | "awsServices",
  role: Role,
) => render(h(PanelContent, { panel: key, snapshot: snapshot(), now: NOW, role }));

describe("actions are offered by role", () => {
  it("gives a viewer links only: details, exports, never a mutation", () => {
    const html = ["metrics", "alerts", "deployments", "pipelines"]
      .map((k) => panel(k as "metrics", "viewer"))
      .join("");
    expect(html).not.toContain("data-api=");
    for (const word of [
      "Acknowledge",
      "Dismiss",
      "Rollback",
      "Redeploy",
      "Re-run",
      "Set Alert",
      "View Logs",
    ])
      expect(html).not.toContain(word);
    expect(html).toContain("View Details");
    expect(html).toContain('href="/w/demo/metrics/cpu/export.csv?range=1h" download');
  });

  it("gives an operator the alert, deployment and pipeline actions, and Set Alert on every metric", () => {
    const alerts = panel("alerts", "operator");
    expect(alerts).toContain('href="/w/demo/alerts/a1#acknowledge" data-modal');
    expect(alerts).toContain('data-api="/w/demo/api/alerts/a1" data-method="DELETE"');
    // An acknowledged alert is not offered Acknowledge again.
    expect(alerts).not.toContain("/alerts/a2#acknowledge");
    const deployments = panel("deployments", "operator");
    expect(deployments).toContain('data-api="/w/demo/api/deployments/d1/rollback"');
    expect(deployments).toContain('data-confirm="Press again to roll back production"');
    const pipelines = panel("pipelines", "operator");
    expect(pipelines).toContain('data-api="/w/demo/api/pipeline/p1/rerun"');
    expect(pipelines).not.toContain("View on GitHub"); // its link is javascript:, so no link
    expect(panel("metrics", "operator")).toContain(
      'href="/w/demo/metrics/queue?range=1h#set-alert"',
    );
  });

  it("gives an admin Set Alert on every metric, and set-up links for missing sources", () => {
    const metrics = panel("metrics", "admin");
    expect(metrics).toContain('href="/w/demo/metrics/cpu?range=1h#set-alert"');
    expect(metrics).toContain('href="/w/demo/metrics/queue?range=1h#set-alert"');
    expect(panel("awsServices", "admin")).toContain(
      '<a href="/w/demo/settings#aws">Set up AWS</a>',
    );
    expect(panel("awsServices", "viewer")).not.toContain("Set up AWS");
  });

  it("escapes hostile labels in menu names and titles", () => {
    const html = panel("alerts", "operator") + panel("metrics", "admin");
    expect(html).not.toContain("<script>");
    expect(html).toContain('aria-label="Actions for alert &lt;script>alert(1)&lt;/script> down"');
  });
});

describe("top bar", () => {
  it("counts unread: firing, unacknowledged alerts newer than the last 'mark all read'", () => {
    const all = render(h(Bell, { snapshot: snapshot(), now: NOW }));
    expect(all).toContain('aria-label="Notifications: 1 unread"');
    const read = render(h(Bell, { snapshot: snapshot(), now: NOW, seenAt: NOW }));
    expect(read).toContain('data-count="0"');
  });

  it("paints the chosen theme from the first byte and offers Refresh to operators", () => {
    const principal: Principal = { tokenId: "t", name: "ops", role: "operator" };
    const page = render(
      DashboardPage({ snapshot: snapshot(), principal, now: NOW, theme: "dark", range: "24h" }),
    );
    expect(page).toMatch(/^<html lang="en" data-theme="dark">/);
    expect(page).toContain('name="theme" value="light"');
    expect(page).toContain('data-api="/w/demo/api/refresh"');
    expect(page).toContain('<a href="/w/demo?range=24h" data-range="24h" aria-current="true">');
    const viewer = render(
      DashboardPage({
        snapshot: snapshot(),
        principal: { ...principal, role: "viewer" },
        now: NOW,
      }),
    );
    expect(viewer).not.toContain("api/refresh");
  });
});

describe("charts", () => {
  const points = [10, 30, 20, 40].map((value, i) => ({ timestamp: ago(3000 - i * 600), value }));

  it("summarises a series", () => {
    expect(seriesStats(points)).toEqual({ count: 4, min: 10, max: 40, avg: 25, last: 40, p95: 40 });
    expect(seriesStats([])).toBeUndefined();
  });

  it("draws static SVG with a title and summary for screen readers, and labels in UTC", () => {
    const svg = render(
      h(LineChart, {
        id: "c",
        label: XSS,
        unit: "%",
        points,
        range: "1h",
        now: NOW,
        threshold: 80,
      }),
    );
    expect(svg).toContain('role="img" aria-labelledby="c-title c-desc"');
    expect(svg).toContain("4 points, min 10%, max 40%, last 40%.");
    expect(svg).toContain('class="chart-threshold"');
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain("style=");
    expect(axisTime(NOW, "24h")).toBe("12:00");
    expect(axisTime(NOW, "30d")).toBe("Nov 20");
    const empty = render(h(LineChart, { id: "e", label: "x", points: [], range: "7d", now: NOW }));
    expect(empty).toContain("No samples in the last 7 days");
  });
});

describe("settings and errors", () => {
  it("never renders a secret: only whether one is set", () => {
    const html = render(
      SettingsPage({
        workspace: "demo",
        principal: { tokenId: "t", name: "root", role: "admin" },
        now: NOW,
        data: {
          settings: {
            ...DEFAULT_SETTINGS,
            integrations: {
              ...DEFAULT_SETTINGS.integrations,
              github: { enabled: true, tokenSet: true },
            },
          },
          intervals: { metrics: 30, deployments: 60, web3: 15, security: 300 },
          networks: [],
          webhooks: [],
          notifications: {
            minSeverity: "warning",
            channels: [
              {
                channel: "slack",
                active: true,
                lastSuccessAt: new Date(NOW - 60_000).toISOString(),
                lastErrorAt: new Date(NOW - 1_000).toISOString(),
                lastError: 'HTTP 400: <script>alert(1)</script>"><img onerror=x>',
                pending: 2,
                dropped: 0,
              },
              {
                channel: "webhook",
                active: false,
                reason: "not configured",
                pending: 0,
                dropped: 0,
              },
              {
                channel: "email",
                active: false,
                reason: "Email is not delivered",
                pending: 0,
                dropped: 0,
              },
            ],
          },
        },
      }),
    );
    expect(html).toContain("•••••••• (set)");
    expect(html).toMatch(/name="integrations.github.token" type="password"/);
    // Channel status: the provider's error escaped, a Send test per deliverable channel.
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("HTTP 400: &lt;script>alert(1)&lt;/script>");
    expect(html.match(/>Send test</g)).toHaveLength(2);
    expect(html).toContain('data-body="{&quot;channel&quot;:&quot;slack&quot;}"');
    expect(html).toMatch(/name="notifications.email"[^>]*disabled/);
    expect(html).toContain("Email is not delivered");
  });

  it("turns problem+json into one sentence with its issues, and names a missing route", () => {
    expect(
      problemText(400, {
        detail: "Validation failed.",
        issues: [{ path: "json.title", message: "required" }],
      }),
    ).toBe("Validation failed. (json.title: required)");
    expect(problemText(404, { detail: "No route for POST /w/x/api/y." })).toMatch(
      /does not offer that action yet/,
    );
    expect(problemText(502, "nope")).toBe("The server answered 502.");
  });
});
