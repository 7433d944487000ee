import { z } from "zod";
import { AlertLimitStats } from "./caps";
import { Severity } from "./common";
import { Metric } from "./metrics";
import { SocketLimitStats } from "./socket-limits";
import { SourceStatus } from "./sources";

/**
 * Aggregates for the status page and the Prometheus scrape, counted in SQL by the
 * workspace object: no record lists cross the RPC boundary.
 */
export const WorkspaceStats = z.object({
  workspace: z.object({ id: z.string(), name: z.string() }),
  seq: z.number().int().nonnegative(),
  sockets: z.number().int().nonnegative(),
  storageBytes: z.number().nonnegative(),
  sources: z.array(SourceStatus),
  metrics: z.array(Metric),
  alertsFiring: z.record(Severity, z.number().int().nonnegative()),
  incidentsOpen: z.number().int().nonnegative(),
  /** Optional: an object deployed before the socket caps does not report it. */
  socketLimits: SocketLimitStats.optional(),
  /** Optional: an object deployed before the open-alert cap does not report it. */
  alertLimits: AlertLimitStats.optional(),
});
export type WorkspaceStats = z.infer<typeof WorkspaceStats>;

export const ComponentStatus = z.object({
  id: z.string(),
  status: z.enum(["operational", "degraded", "down"]),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

/** `GET api/status`. */
export const StatusResponse = z.object({
  workspace: WorkspaceStats.shape.workspace,
  components: z.array(ComponentStatus),
  sources: z.array(SourceStatus),
  seq: z.number().int().nonnegative(),
  sockets: z.number().int().nonnegative(),
});
export type StatusResponse = z.infer<typeof StatusResponse>;
