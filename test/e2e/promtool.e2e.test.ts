import { spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import type { IssuedToken } from "../../schema";

/** Debian's `prometheus` package provides promtool; .ci/run installs it. */
const PROMTOOL = process.env.OPSDECK_PROMTOOL ?? "promtool";
const hasPromtool = spawnSync(PROMTOOL, ["--version"]).status === 0;
if (!hasPromtool) {
  console.warn(
    "promtool.e2e: SKIPPED, promtool not found (apt-get install -y prometheus, or set OPSDECK_PROMTOOL)",
  );
}

const base = () => inject("baseUrl");

async function api(path: string, init: RequestInit & { token: string; body?: string }) {
  const res = await fetch(`${base()}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${init.token}`, "Content-Type": "application/json" },
  });
  if (!res.ok)
    throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

function promtool(exposition: string) {
  const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: exposition, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.skipIf(!hasPromtool)("GET /w/:workspace/metrics against promtool", () => {
  it("the real scrape output passes `promtool check metrics` (syntax and lint)", async () => {
    const id = `prom-${crypto.randomUUID().slice(0, 8)}`;
    const created = await api("/api/workspaces", {
      method: "POST",
      token: inject("operatorToken"),
      body: JSON.stringify({ id, name: "Promtool" }),
    });
    const { adminToken } = (await created.json()) as { adminToken: IssuedToken };
    const token = adminToken.token;
    // Label values that need escaping, and a configured source, so every family has samples.
    await api(`/w/${id}/api/metrics/samples`, {
      method: "POST",
      token,
      body: JSON.stringify({
        samples: [
          { metric: "cpu", label: 'CPU "all" \\ cores\nnode-1', unit: "%", value: 42.5 },
          { metric: "queue:depth", label: "Queue – ✓", value: -3 },
          { metric: "tiny", value: 1e-7 },
          { metric: "huge", value: 1.5e300 },
        ],
      }),
    });
    // A GitHub webhook integration configures the source (pending until its first delivery).
    await api(`/w/${id}/api/integrations/webhooks`, {
      method: "POST",
      token,
      body: JSON.stringify({ kind: "github", name: "GitHub", secret: "gh-e2e-secret-0123456789" }),
    });

    const anonymous = await fetch(`${base()}/w/${id}/metrics`);
    expect(anonymous.status).toBe(401);

    const res = await fetch(`${base()}/w/${id}/metrics`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain('label="CPU \\"all\\" \\\\ cores\\nnode-1"');
    expect(text).toContain('opsdeck_source_state{source="github",state="pending"} 1');

    const result = promtool(text);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("promtool does reject a broken exposition (the check is not a no-op)", () => {
    const result = promtool('# TYPE x gauge\nx{label="unterminated} 1\n');
    expect(result.status).not.toBe(0);
    expect(result.output).not.toBe("");
  });
});
