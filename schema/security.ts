import { z } from "zod";
import { LIST_CAPS } from "./list-caps";
import { Provenance, RecordId, Severity, Timestamp } from "./common";

export const SecurityScan = z.object({
  id: RecordId,
  name: z.string().max(500),
  kind: z.enum(["code_scanning", "dependabot", "secret_scanning", "other"]),
  status: z.enum(["passed", "failed"]),
  severity: Severity,
  repository: z.string().max(300).optional(),
  url: z.string().max(2000).optional(),
  /** The provider's alert state (`open`, `fixed`, `dismissed`, `resolved`, …) behind `status`. */
  state: z.string().max(50).optional(),
  description: z.string().max(10_000).optional(),
  timestamp: Timestamp,
  ...Provenance,
});
export type SecurityScan = z.infer<typeof SecurityScan>;

export const SecurityQuery = z.object({
  status: z.enum(["passed", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(LIST_CAPS.security),
});
export type SecurityQuery = z.infer<typeof SecurityQuery>;
