import { wakeWorkspaces } from "./jobs/wake-workspaces";

/**
 * Cron stays a dispatcher: each cron expression maps to a named job. Collection itself runs
 * inside each workspace object on its alarm, so one tick never does every workspace's work.
 */
export async function scheduled(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  switch (controller.cron) {
    case "* * * * *":
      ctx.waitUntil(wakeWorkspaces(env));
      return;
    default:
      console.warn(`cron: no job for '${controller.cron}'`);
  }
}
