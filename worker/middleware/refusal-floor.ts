import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * The earliest a credential refusal (401) under `/w/:workspace/` is answered, in ms from the
 * request's arrival. An unknown workspace is refused from the isolate's directory cache, a
 * wrong credential for a real one only after the object looked it up: without a floor the
 * first answers measurably sooner, a timing oracle for which workspaces exist (issue 14).
 * Both paths now wait for the same floor, on a timer (no CPU is spent), so they answer alike
 * unless the object itself takes longer than the floor. 25 ms sits above a warm object's
 * credential lookup (≈ 5–10 ms locally, a few ms in production next to the object) and is
 * invisible next to a person's sign-in or a sender's retry; a valid credential never waits.
 */
export const REFUSAL_FLOOR_MS = 25;

/**
 * App middleware: holds 401 answers until `REFUSAL_FLOOR_MS` after the request arrived. The
 * Workers clock only moves across I/O, so a refusal computed without any I/O waits the whole
 * floor, and one that waited on the object waits only for the rest of it.
 * @example app.use("/w/:workspace/*", refusalFloor)
 */
export const refusalFloor = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  if (c.res.status !== 401) return;
  const rest = REFUSAL_FLOOR_MS - (Date.now() - started);
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
});
