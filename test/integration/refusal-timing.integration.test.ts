import { describe, expect, it } from "vitest";
import { REFUSAL_FLOOR_MS } from "../../worker/middleware/refusal-floor";
import { call, makeWorkspace } from "../helpers/workspace";

/**
 * "No existence oracle, similar time" (issue 14): an unknown workspace is refused from the
 * isolate's directory cache, a wrong credential for a real one only after its object looked
 * it up. Both must take about as long, or the time tells which workspaces exist. Medians of
 * many tries, interleaved so load on the machine hits both alike, with a generous bound.
 */

const TRIES = 15;

type Probe = { name: string; path: (slug: string) => string; init: (slug: string) => RequestInit };

const PROBES: Probe[] = [
  {
    name: "API with a wrong token",
    path: (s) => `/w/${s}/api/status`,
    init: (s) => ({ headers: { Authorization: `Bearer odk.${s}.wrongwrongwrong` } }),
  },
  {
    name: "Alertmanager hook with a wrong key",
    path: (s) => `/w/${s}/hooks/alertmanager`,
    init: (s) => ({
      method: "POST",
      headers: { Authorization: `Bearer amk.${s}.wrong`, "Content-Type": "application/json" },
      body: JSON.stringify({ version: "4", alerts: [] }),
    }),
  },
];

async function timed(probe: Probe, slug: string): Promise<number> {
  const t0 = performance.now();
  const res = await call(probe.path(slug), probe.init(slug));
  await res.arrayBuffer();
  expect(res.status, probe.name).toBe(401);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("refusal timing", () => {
  for (const probe of PROBES)
    it(`${probe.name}: unknown workspace and wrong credential take similar time`, async () => {
      const known = (await makeWorkspace("timing")).id;
      const unknown = `ghost-${crypto.randomUUID().slice(0, 8)}`;
      // Warm both paths (directory cache, object), then interleave.
      await timed(probe, known);
      await timed(probe, unknown);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < TRIES; i++) {
        a.push(await timed(probe, unknown));
        b.push(await timed(probe, known));
      }
      const [mu, mk] = [median(a), median(b)];
      // Neither answers before the floor; their medians within 2x of each other.
      expect(mu).toBeGreaterThanOrEqual(REFUSAL_FLOOR_MS * 0.8);
      expect(mk).toBeGreaterThanOrEqual(REFUSAL_FLOOR_MS * 0.8);
      expect(Math.max(mu, mk) / Math.min(mu, mk)).toBeLessThan(2);
    });

  it("a valid credential is not held back", async () => {
    const ws = await makeWorkspace("timing");
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await call(`/w/${ws.id}/api/status`, {
        headers: { Authorization: `Bearer ${ws.admin}` },
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      times.push(performance.now() - t0);
    }
    // Fastest of five: a loaded machine can slow any one try, not all of them.
    expect(Math.min(...times)).toBeLessThan(REFUSAL_FLOOR_MS);
  });
});
