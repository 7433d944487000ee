import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { AlarmSchedule } from "../../durable-objects/store/alarm-schedule";
import { makeIntegration } from "../helpers/alerting";
import { bodyOf, deliver, examplesOf } from "../helpers/github";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";
import {
  closeAllSockets,
  isSnapshot,
  openSocket,
  waitForFrame,
  type InboundFrame,
} from "../helpers/ws";

afterEach(closeAllSockets);

const statusOf = (frame: InboundFrame, id: string) =>
  frame.type === "sources" ? frame.payload.find((s) => s.id === id)?.status : undefined;

describe("a source that ages into stale is pushed to open screens", () => {
  it("sends the stale strip when the limit passes, with nothing else happening", async () => {
    const ws = await makeWorkspace("stale");
    // The shortest deployments interval (5 s) makes GitHub's stale-after limit 15 s.
    const intervals = { metrics: 30, deployments: 5, web3: 15, security: 300 };
    const saved = await call(
      `/w/${ws.id}/api/collection/intervals`,
      jsonInit("PUT", intervals, ws.admin),
    );
    expect(saved.status).toBe(200);
    const secret = "stale-gh-secret-0123";
    await makeIntegration(ws, "github", { secret });
    const [fixture] = examplesOf("deployment");
    const delivered = await deliver(ws.id, "deployment", bodyOf(fixture!), { secret });
    expect(delivered.status).toBeLessThan(300);

    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    const snapshot = await waitForFrame(sock, isSnapshot);
    const github = snapshot.payload.sources.find((s) => s.id === "github");
    expect(github?.status).toBe("live");
    // The edge is planned when the strip is shown: 15 s after the last success.
    const planned = await runInDurableObject(ws.stub, (_instance, state) =>
      new AlarmSchedule(state.storage).dueAt("sources:stale"),
    );
    expect(planned).toBe(Date.parse(github!.lastSuccessAt!) + 15_000 + 1);

    const stale = await waitForFrame(sock, (f) => statusOf(f, "github") === "stale", 25_000);
    expect(stale.type).toBe("sources");
    // Told once: nothing left planned until the source reports again.
    const after = await runInDurableObject(ws.stub, (_instance, state) =>
      new AlarmSchedule(state.storage).dueAt("sources:stale"),
    );
    expect(after).toBeUndefined();
  }, 40_000);
});
