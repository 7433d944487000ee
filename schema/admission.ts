import { z } from "zod";
import { Principal } from "./auth";

/** A mutation's credential check and rate-limit charge, answered in one call. */
export const Admission = z.discriminatedUnion("result", [
  z.object({ result: z.literal("admitted"), principal: Principal }),
  z.object({ result: z.literal("unauthenticated") }),
  z.object({
    result: z.literal("rate_limited"),
    tokenName: z.string(),
    retryAfterSeconds: z.number().int().positive(),
  }),
]);
export type Admission = z.infer<typeof Admission>;
