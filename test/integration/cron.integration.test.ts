import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import worker from "../../worker/index";
import { wakeWorkspaces } from "../../worker/jobs/wake-workspaces";
import { call, jsonInit, makeWorkspace } from "../helpers/workspace";

describe("cron: wakes every workspace's collectors", () => {
  it("registers new workspaces and arms the collector alarm of configured ones", async () => {
    const ws = await makeWorkspace("cron");
    await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit(
        "POST",
        { id: "local", name: "Local", chainId: inject("anvilChainId"), rpcUrl: inject("anvilUrl") },
        ws.admin,
      ),
    );
    // Simulate a lost alarm and schedule: the cron must put the collector back.
    await runInDurableObject(ws.stub, async (_instance, state) => {
      await state.storage.deleteAlarm();
      state.storage.sql.exec("DELETE FROM meta WHERE key LIKE 'alarm:%'");
    });
    const before = await env.DIRECTORY.getByName("directory").count();
    expect(before).toBeGreaterThan(0);
    const controller = createScheduledController({ cron: "* * * * *", scheduledTime: new Date() });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    const armed = await runInDurableObject(ws.stub, async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      task: state.storage.sql
        .exec("SELECT key FROM meta WHERE key = 'alarm:collect:web3'")
        .toArray().length,
    }));
    expect(armed.alarm).not.toBeNull();
    expect(armed.task).toBe(1);
  });

  it("reaches all workspaces in slices when there are more than one tick's budget", async () => {
    const created = await Promise.all([
      makeWorkspace("slice"),
      makeWorkspace("slice"),
      makeWorkspace("slice"),
    ]);
    expect(created).toHaveLength(3);
    const total = await env.DIRECTORY.getByName("directory").count();
    let woken = 0;
    for (let i = 0; i < Math.ceil(total / 2); i++) woken += (await wakeWorkspaces(env, 2)).woken;
    expect(woken).toBeGreaterThanOrEqual(total);
  });

  it("ignores an unknown cron expression", async () => {
    const controller = createScheduledController({ cron: "0 0 * * *", scheduledTime: new Date() });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
  });
});
