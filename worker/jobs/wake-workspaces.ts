import { DIRECTORY_NAME } from "../../durable-objects/directory";

/** Workspaces woken per cron tick at most; the rest are reached on the following ticks. */
export const WAKE_BUDGET = 500;
/** Concurrent RPCs, under the Workers limit of six simultaneous outbound connections. */
const CONCURRENCY = 6;

/**
 * The cron's one job: make sure each workspace's collectors have their alarm armed. The work
 * itself runs in each workspace object; this only nudges, a slice per tick, so the cost per
 * invocation stays bounded however many workspaces there are.
 */
export async function wakeWorkspaces(
  env: Env,
  budget = WAKE_BUDGET,
): Promise<{ woken: number; failed: number }> {
  const ids = await env.DIRECTORY.getByName(DIRECTORY_NAME).nextSlice(budget);
  let woken = 0;
  let failed = 0;
  for (let i = 0; i < ids.length; i += CONCURRENCY) {
    const results = await Promise.allSettled(
      ids.slice(i, i + CONCURRENCY).map((id) => env.WORKSPACE.getByName(id).wake()),
    );
    for (const r of results) {
      if (r.status === "fulfilled") woken++;
      else failed++;
    }
  }
  if (failed > 0) console.warn(`cron: ${failed} of ${ids.length} workspaces did not wake`);
  return { woken, failed };
}
