import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it, vi } from "vitest";
import worker from "../../worker/index";
import { wakeWorkspaces } from "../../worker/jobs/wake-workspaces";
import { captureConsole } from "../helpers/console";
import { call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

/** Runs the Worker's cron handler for `cron` and waits for the work it started. */
async function runCron(cron: string): Promise<void> {
  const controller = createScheduledController({ cron, scheduledTime: new Date() });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Gives the workspace a collector to wake: the local anvil chain. */
async function addLocalNetwork(ws: TestWorkspace): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/integrations/networks`,
    jsonInit(
      "POST",
      { id: "local", name: "Local", chainId: inject("anvilChainId"), rpcUrl: inject("anvilUrl") },
      ws.admin,
    ),
  );
  expect(res.status).toBe(201);
}

/** Simulates a lost alarm and schedule: the object is left with nothing to wake it. */
async function loseSchedule(ws: TestWorkspace): Promise<void> {
  await runInDurableObject(ws.stub, async (_instance, state) => {
    await state.storage.deleteAlarm();
    state.storage.sql.exec("DELETE FROM meta WHERE key LIKE 'alarm:%'");
  });
}

/** The object's alarm and its scheduled tasks (`alarm:<task>` rows, due time in ms). */
const schedule = (ws: TestWorkspace) =>
  runInDurableObject(ws.stub, async (_instance, state) => ({
    alarm: await state.storage.getAlarm(),
    tasks: Object.fromEntries(
      state.storage.sql
        .exec<{ key: string; value: string }>(
          "SELECT key, value FROM meta WHERE key LIKE 'alarm:%'",
        )
        .toArray()
        .map((row) => [row.key, Number(row.value)]),
    ),
  }));

describe("cron: wakes every workspace's collectors", () => {
  it("registers new workspaces and arms the collector alarm of configured ones", async () => {
    const ws = await makeWorkspace("cron");
    await addLocalNetwork(ws);
    // The cron must put the collector back.
    await loseSchedule(ws);
    const before = await env.DIRECTORY.getByName("directory").count();
    expect(before).toBeGreaterThan(0);
    await runCron("* * * * *");
    const armed = await schedule(ws);
    expect(armed.alarm).not.toBeNull();
    expect(armed.tasks).toHaveProperty(["alarm:collect:web3"]);
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

  it("runs no job for an unknown cron expression, and logs that it has none", async () => {
    const ws = await makeWorkspace("cron-unknown");
    await addLocalNetwork(ws);
    // Let the first collection, which adding the network starts, finish and re-arm the alarm
    // for the next one: nothing is then in flight that could arm it behind the test's back.
    await vi.waitFor(
      async () => {
        const { alarm, tasks } = await schedule(ws);
        expect(alarm).toBeGreaterThan(Date.now());
        expect(alarm).toBe(Math.min(...Object.values(tasks)));
      },
      { timeout: 20_000, interval: 100 },
    );
    await loseSchedule(ws);
    const warnings = captureConsole("warn");
    await runCron("0 0 * * *");
    expect(warnings.lines()).toEqual(["cron: no job for '0 0 * * *'"]);
    // The wake job would have re-armed this workspace's collector: it stays unscheduled.
    expect(await schedule(ws)).toEqual({ alarm: null, tasks: {} });
    // The same workspace is one the minute cron does wake, so the quiet above is the unknown
    // expression's doing and not a workspace with nothing to wake.
    await runCron("* * * * *");
    expect((await schedule(ws)).tasks).toHaveProperty(["alarm:collect:web3"]);
    // Still the one line: the minute cron woke every workspace without a failure to report.
    expect(warnings.lines()).toEqual(["cron: no job for '0 0 * * *'"]);
  });
});
