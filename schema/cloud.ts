import { z } from "zod";
import { HealthStatus, Provenance, RecordId } from "./common";

/** Contract AWS service card. */
export const AwsService = z.object({
  id: RecordId,
  name: z.string().max(100),
  status: HealthStatus,
  instances: z.number().int().nonnegative(),
  region: z.string().max(50),
  ...Provenance,
});
export type AwsService = z.infer<typeof AwsService>;
