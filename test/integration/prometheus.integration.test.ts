import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RecordStore } from "../../durable-objects/store/records";
import { Alert, Incident, SourceStatus } from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { addGithubWebhook } from "../helpers/github";

const now = new Date().toISOString();

const alert = (id: string, severity: Alert["severity"], status: Alert["status"]) =>
  Alert.parse({
    id,
    title: id,
    message: "",
    severity,
    timestamp: now,
    acknowledged: status === "acknowledged",
    source: "alertmanager",
    status,
    firstSeen: now,
    lastSeen: now,
  });

const incident = (id: string, status: Incident["status"]) =>
  Incident.parse({
    id,
    title: id,
    description: "",
    severity: "error",
    status,
    alertIds: [],
    createdAt: now,
    updatedAt: now,
    createdBy: "admin",
    timeline: [],
  });

async function scrape(ws: TestWorkspace, token = ws.viewer): Promise<string> {
  const res = await call(`/w/${ws.id}/metrics`, bearer(token));
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  return res.text();
}

/** Sample lines keyed by `name{labels}`, checking each line's shape and that none repeats. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    expect(map.has(match![1]!), `duplicate series ${match![1]}`).toBe(false);
    map.set(match![1]!, Number(match![2]));
  }
  return map;
}

describe("GET /w/:workspace/metrics", () => {
  it("401 without a credential or with a bad one; 404 for another workspace's token", async () => {
    const ws = await makeWorkspace("prom");
    const anonymous = await call(`/w/${ws.id}/metrics`);
    expect(anonymous.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    await expectProblem(anonymous, 401, "unauthenticated");
    await expectProblem(
      await call(`/w/${ws.id}/metrics`, bearer(`odk.${ws.id}.forged`)),
      401,
      "unauthenticated",
    );
    const other = await makeWorkspace("prom");
    await expectProblem(await call(`/w/${ws.id}/metrics`, bearer(other.admin)), 404, "not_found");
  });

  it("a fresh workspace exposes zeros and every source as not configured", async () => {
    const ws = await makeWorkspace("prom");
    const text = await scrape(ws);
    const map = samples(text);
    for (const severity of ["info", "warning", "error", "critical"]) {
      expect(map.get(`opsdeck_alerts_firing{severity="${severity}"}`)).toBe(0);
    }
    expect(map.get("opsdeck_incidents_open")).toBe(0);
    expect(map.get('opsdeck_source_up{source="github"}')).toBe(0);
    expect(map.get('opsdeck_source_state{source="github",state="not_configured"}')).toBe(1);
    expect(map.get('opsdeck_source_state{source="github",state="live"}')).toBe(0);
    expect(map.get("opsdeck_websocket_clients")).toBe(0);
    expect(map.get("opsdeck_events_total")).toBe(0);
    expect(map.get("opsdeck_storage_bytes")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE opsdeck_metric_value gauge\n");
    expect([...map.keys()].some((k) => k.startsWith("opsdeck_metric_value"))).toBe(false);
  });

  it("exposes pushed metrics with label values escaped", async () => {
    const ws = await makeWorkspace("prom");
    const push = await call(
      `/w/${ws.id}/api/metrics/samples`,
      jsonInit(
        "POST",
        {
          samples: [
            { metric: "cpu", label: 'CPU "all" \\ cores\nnode-1', value: 42.5 },
            { metric: "queue:depth", label: "Queue", value: -3 },
          ],
        },
        ws.operator,
      ),
    );
    expect(push.status).toBe(202);
    const text = await scrape(ws);
    expect(text).toContain(
      'opsdeck_metric_value{metric="cpu",label="CPU \\"all\\" \\\\ cores\\nnode-1"} 42.5\n',
    );
    expect(text).toContain('opsdeck_metric_value{metric="queue:depth",label="Queue"} -3\n');
    const map = samples(text);
    const updated = map.get('opsdeck_metric_last_update_timestamp_seconds{metric="cpu"}')!;
    expect(Math.abs(updated - Date.now() / 1000)).toBeLessThan(60);
    expect(map.get("opsdeck_events_total")).toBe(1);
  });

  it("counts every firing alert and open incident in SQL, not just a snapshot page", async () => {
    const ws = await makeWorkspace("prom");
    await runInDurableObject(ws.stub, (_instance, state) => {
      const alerts = new RecordStore(state.storage.sql, "alert", Alert, (a) => a.lastSeen);
      for (let i = 0; i < 250; i++) alerts.put(alert(`crit-${i}`, "critical", "firing"));
      alerts.put(alert("warn-1", "warning", "firing"));
      alerts.put(alert("warn-acked", "warning", "acknowledged"));
      alerts.put(alert("info-resolved", "info", "resolved"));
      const incidents = new RecordStore(
        state.storage.sql,
        "incident",
        Incident,
        (x) => x.createdAt,
      );
      for (let i = 0; i < 120; i++) incidents.put(incident(`open-${i}`, "investigating"));
      incidents.put(incident("monitoring", "monitoring"));
      incidents.put(incident("done", "resolved"));
    });
    const map = samples(await scrape(ws));
    expect(map.get('opsdeck_alerts_firing{severity="critical"}')).toBe(250);
    expect(map.get('opsdeck_alerts_firing{severity="warning"}')).toBe(1);
    expect(map.get('opsdeck_alerts_firing{severity="info"}')).toBe(0);
    expect(map.get("opsdeck_incidents_open")).toBe(121);
  });

  it("reports source state, up and last success", async () => {
    const ws = await makeWorkspace("prom");
    await call(
      `/w/${ws.id}/api/settings`,
      jsonInit("PUT", { integrations: { github: { enabled: true, token: "ghp_x" } } }, ws.admin),
    );
    // A token alone collects nothing; the webhook integration makes the source configured.
    await addGithubWebhook(ws);
    const lastSuccessAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000).toISOString();
    await runInDurableObject(ws.stub, (_instance, state) => {
      new RecordStore(state.storage.sql, "source", SourceStatus, (s) => s.id).put({
        id: "github",
        status: "live",
        lastSuccessAt,
      });
    });
    const map = samples(await scrape(ws));
    expect(map.get('opsdeck_source_up{source="github"}')).toBe(1);
    expect(map.get('opsdeck_source_state{source="github",state="live"}')).toBe(1);
    expect(map.get('opsdeck_source_state{source="github",state="pending"}')).toBe(0);
    expect(map.get('opsdeck_source_last_success_timestamp_seconds{source="github"}')).toBe(
      Date.parse(lastSuccessAt) / 1000,
    );
    expect(map.has('opsdeck_source_last_success_timestamp_seconds{source="aws"}')).toBe(false);
  });
});
