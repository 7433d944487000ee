import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type AlertRule, type Metric, type Role } from "../../schema";
import { MetricDetail } from "../../web/pages/metric";
import { SettingsPage } from "../../web/pages/settings";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const HOSTILE = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: "r1",
  metric: "latency.p99",
  comparator: "gt",
  value: 250,
  severity: "critical",
  name: HOSTILE,
  createdAt: new Date(NOW).toISOString(),
  updatedAt: new Date(NOW).toISOString(),
  createdBy: "ops",
  ...over,
});

const metric = (id: string, unit: string): Metric => ({
  id,
  label: id,
  value: 300,
  change: 0,
  trend: "stable",
  status: "critical",
  unit,
  source: "api",
  updatedAt: new Date(NOW).toISOString(),
});

const detail = (role: Role, m = metric("latency.p99", "ms"), rules = [rule()]) =>
  render(
    MetricDetail({
      workspace: "demo",
      metric: m,
      points: [],
      range: "1h",
      thresholds: DEFAULT_SETTINGS.thresholds,
      rules,
      role,
      now: NOW,
    }),
  );

const settings = (role: Role, rules = [rule()]) =>
  render(
    SettingsPage({
      workspace: "demo",
      principal: { tokenId: "t", name: "someone", role },
      now: NOW,
      data: {
        settings: DEFAULT_SETTINGS,
        intervals: { metrics: 30, deployments: 60, web3: 15, security: 300 },
        networks: [],
        rules,
        notifications: { minSeverity: "warning", channels: [] },
      },
    }),
  );

describe("Set Alert in the metric dialog", () => {
  it("gives an operator the rule form and Delete on any metric, names escaped", () => {
    const html = detail("operator");
    expect(html).toContain('id="set-alert"');
    expect(html).toContain('data-api="/w/demo/api/alert-rules"');
    expect(html).toContain('<input type="hidden" name="metric" value="latency.p99"/>');
    expect(html).toContain('name="comparator"');
    expect(html).toContain('data-api="/w/demo/api/alert-rules/r1" data-method="DELETE"');
    expect(html).toMatch(/<td class="num">(&gt;|>) 250 ms<\/td>/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script>alert(2)&lt;/script>");
    // Not a cpu/memory/disk metric: no workspace threshold form.
    expect(html).not.toContain('name="thresholds.');
  });

  it("shows a viewer the rules but no form", () => {
    const html = detail("viewer");
    expect(html).not.toContain("data-api=");
    expect(html).toMatch(/<td class="num">(&gt;|>) 250 ms<\/td>/);
    expect(html).toContain("Only an operator or admin can add alert rules.");
  });

  it("keeps the workspace threshold form first for an admin on cpu", () => {
    const html = detail("admin", metric("cpu", "%"), []);
    const threshold = html.indexOf('name="thresholds.cpu"');
    const form = html.indexOf('id="alert-rule-form"');
    expect(threshold).toBeGreaterThan(0);
    expect(form).toBeGreaterThan(threshold);
    expect(html).toContain("No alert rule watches this metric.");
  });
});

describe("Alert rules on the settings page", () => {
  it("lists every rule with its metric link; Delete only for operators", () => {
    const operator = settings("operator", [rule(), rule({ id: "r2", metric: "queue.depth" })]);
    expect(operator).toContain('id="alert-rules"');
    expect(operator).toContain('<a href="/w/demo/metrics/queue.depth">queue.depth</a>');
    expect(operator).toContain('data-api="/w/demo/api/alert-rules/r2" data-method="DELETE"');
    expect(operator).not.toContain("<script>");
    const viewer = settings("viewer");
    expect(viewer).toContain('<a href="/w/demo/metrics/latency.p99">latency.p99</a>');
    expect(viewer).not.toContain("data-api=");
    expect(settings("viewer", [])).toContain("No alert rule is set.");
  });
});
