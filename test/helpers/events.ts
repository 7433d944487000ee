import { runInDurableObject } from "cloudflare:test";
import type { Workspace } from "../../durable-objects/workspace";
import type { Principal } from "../../schema";
import type { TestWorkspace } from "./workspace";

const robot: Principal = { tokenId: "test", name: "test-bot", role: "operator" };

/**
 * Publishes `count` events inside the object and returns the last seq. Changes made in one turn
 * leave as one frame, so the outlet is flushed after each to make one event each. The series
 * is not cpu/memory/disk (a threshold crossing would add alert events) and holds one value
 * (a ramp is novel to the anomaly detector, whose alert would add events too).
 */
export async function publishMany(ws: TestWorkspace, count: number): Promise<number> {
  return runInDurableObject(ws.stub, (instance: Workspace) => {
    const outlet = (instance as unknown as { host: { outlet: { flush(now: number): void } } }).host
      .outlet;
    for (let i = 0; i < count; i++) {
      instance.ingestMetricSamples(robot, {
        source: "test",
        samples: [{ metric: "requests", value: 1 }],
      });
      outlet.flush(Date.now());
    }
    return instance.stats().seq;
  });
}
