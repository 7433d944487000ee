import { describe, expect, it } from "vitest";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

describe("REST rate limiting", () => {
  it("answers a flood of mutations from one token with 429 problem+json and Retry-After", async () => {
    const ws = await makeWorkspace("rl");
    const ack = (token: string) =>
      call(`/w/${ws.id}/api/alerts/no-such/acknowledge`, jsonInit("POST", {}, token));
    // 150 changes at once from one token: the 120 burst passes (404: no such alert), plus what
    // refilled (2/s) while the flood was in flight on a possibly loaded machine; the rest are refused.
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 150 }, () => ack(ws.operator)));
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 2);
    const statuses = responses.map((r) => r.status);
    const limited = responses.filter((r) => r.status === 429);
    expect(statuses.filter((s) => s === 404).length).toBeGreaterThanOrEqual(120);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(120 + refilled);
    expect(limited.length).toBeGreaterThanOrEqual(150 - 120 - refilled);
    expect(limited.length).toBeGreaterThan(0);
    const problem = await expectProblem(limited[0]!, 429, "rate_limited");
    expect(problem.detail).toContain("operator-bot");
    expect(Number(limited[0]!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);

    // The allowance is per token, across every mutation route: once acks are refused, an
    // incident POST right after is refused too (retried because the bucket refills at 2/s).
    let crossRoute = 0;
    for (let attempt = 0; attempt < 10 && crossRoute !== 429; attempt++) {
      while ((await ack(ws.operator)).status !== 429);
      crossRoute = (await call(`/w/${ws.id}/api/incidents`, jsonInit("POST", {}, ws.operator)))
        .status;
    }
    expect(crossRoute).toBe(429);

    // Other tokens keep their own allowance, and reads are never metered.
    expect((await ack(ws.admin)).status).toBe(404);
    expect((await call(`/w/${ws.id}/api/alerts`, bearer(ws.operator))).status).toBe(200);

    // Refilling at 2/s: a little later the token may change things again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await ack(ws.operator)).status).toBe(404);
  }, 30_000);
});
