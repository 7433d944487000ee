import { z } from "zod";
import { AwsRegion } from "./aws";
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

/** `GET api/aws-services` filters: a region (`global` for S3's one card) and a status. */
export const AwsServiceQuery = z.object({
  region: z.union([AwsRegion, z.literal("global")]).optional(),
  status: HealthStatus.optional(),
});
export type AwsServiceQuery = z.infer<typeof AwsServiceQuery>;
