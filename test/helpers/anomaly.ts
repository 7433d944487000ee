import { expect } from "vitest";
import type { Anomaly, SeriesDetection } from "../../schema";
import { bearer, call, jsonInit, type TestWorkspace } from "./workspace";

/** A saw-tooth series the detector learns cleanly (no false positives), one point a minute. */
export const saw = (i: number) => 50 + (i % 10);
export const BASE_MS = Date.now() - 600 * 60_000;
export const at = (i: number) => new Date(BASE_MS + i * 60_000).toISOString();

/** Pushes points `from`..`to` (exclusive) of `metric`, with `value(i)` (the saw by default). */
export async function pushRange(
  ws: TestWorkspace,
  metric: string,
  from: number,
  to: number,
  value: (i: number) => number = saw,
) {
  const samples = [];
  for (let i = from; i < to; i++) samples.push({ metric, value: value(i), timestamp: at(i) });
  const res = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit("POST", { samples }, ws.operator),
  );
  expect(res.status).toBe(202);
}

/** A clear spike at 300–302: 500 against a 50–59 saw. */
export const spiked = (i: number) => (i >= 300 && i < 303 ? 500 : saw(i));

export async function anomalies(ws: TestWorkspace, query = ""): Promise<Anomaly[]> {
  const res = await call(`/w/${ws.id}/api/anomaly${query}`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as { anomalies: Anomaly[] }).anomalies;
}

export async function detection(ws: TestWorkspace, metric: string): Promise<SeriesDetection> {
  const res = await call(`/w/${ws.id}/api/metrics/${metric}/detection`, bearer(ws.viewer));
  expect(res.status).toBe(200);
  return ((await res.json()) as { detection: SeriesDetection }).detection;
}
