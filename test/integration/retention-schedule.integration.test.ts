import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  RETENTION_EVERY_MS,
  RETENTION_TASK,
  USAGE_CACHE_MS,
} from "../../durable-objects/capabilities/retention";
import { bearer, call, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

const retentionDue = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, async (_i, state) => {
    const row = state.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", `alarm:${RETENTION_TASK}`)
      .toArray()[0];
    return { due: row ? Number(row.value) : undefined, alarm: await state.storage.getAlarm() };
  });

describe("retention: scheduling and the cost of /metrics", () => {
  it("the cron's wake gives every workspace its hourly retention task, once", async () => {
    const ws = await makeWorkspace("ret-wake");
    await runInDurableObject(ws.stub, async (_i, state) => {
      state.storage.sql.exec("DELETE FROM meta WHERE key LIKE 'alarm:%'");
      await state.storage.deleteAlarm();
    });
    const before = Date.now();
    await ws.stub.wake();
    const first = await retentionDue(ws);
    expect(first.due).toBeGreaterThanOrEqual(before + RETENTION_EVERY_MS);
    expect(first.due).toBeLessThanOrEqual(Date.now() + RETENTION_EVERY_MS);
    expect(first.alarm).toBe(first.due);
    // A second wake keeps the time: waking every minute never postpones the task forever.
    await ws.stub.wake();
    expect((await retentionDue(ws)).due).toBe(first.due);
  });

  it("a scrape storm counts the tables once a minute, not once per scrape", async () => {
    const ws = await makeWorkspace("ret-scrape");
    const rows = async () => {
      const res = await call(`/w/${ws.id}/metrics`, bearer(ws.viewer));
      expect(res.status).toBe(200);
      const line = (await res.text())
        .split("\n")
        .find((l) => l.startsWith('opsdeck_table_rows{table="audit"}'));
      return Number(line?.split(" ").pop());
    };
    const counted = await rows();
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "INSERT INTO audit (ts, actor, action, target) VALUES (?, 'x', 'x', 'x')",
        new Date().toISOString(),
      );
    });
    const storm = await Promise.all(Array.from({ length: 10 }, rows));
    expect(new Set(storm)).toEqual(new Set([counted]));
    // Other readers are served meanwhile.
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    expect(USAGE_CACHE_MS).toBeLessThanOrEqual(60_000);
  });
});
