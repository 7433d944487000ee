import { z } from "zod";
import { LIST_CAPS } from "./list-caps";
import { HealthStatus, RecordId, Timestamp } from "./common";

export const ActivityItem = z.object({
  id: RecordId,
  type: z.enum(["deployment", "alert", "security", "incident"]),
  title: z.string().max(1024),
  description: z.string().max(10_000),
  user: z.string().max(200).optional(),
  timestamp: Timestamp,
  status: HealthStatus.optional(),
  /** Where the item links to (the pull request, release, alert, …). */
  url: z.string().max(2000).optional(),
  /** Which integration produced it (`github`, `alertmanager`, …). */
  source: z.string().max(100).optional(),
});
export type ActivityItem = z.infer<typeof ActivityItem>;

export const LimitQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(LIST_CAPS.activity),
});
export type LimitQuery = z.infer<typeof LimitQuery>;
