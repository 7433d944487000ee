import type { AppEnv } from "./env";

/**
 * Cron stays a dispatcher: each cron expression maps to a named job. Collection itself runs
 * inside each workspace object on its alarm, so one tick never does every workspace's work.
 */
export async function scheduled(
  controller: ScheduledController,
  _env: AppEnv["Bindings"],
  _ctx: ExecutionContext,
): Promise<void> {
  switch (controller.cron) {
    case "* * * * *":
      // Collectors arrive with their integrations; the tick has nothing to wake yet.
      return;
    default:
      console.warn(`cron: no job for '${controller.cron}'`);
  }
}
