import { z } from "zod";

/** `Idempotency-Key` header (IETF draft-ietf-httpapi-idempotency-key-header): 1–255 visible ASCII. */
export const IdempotencyKey = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "visible ASCII only (a UUID is a good key)");
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

/** A finished response as stored for replay. */
export const StoredResponse = z.object({
  status: z.number().int().min(100).max(599),
  contentType: z.string().max(200),
  body: z.string(),
});
export type StoredResponse = z.infer<typeof StoredResponse>;

/**
 * What the workspace answers when a keyed request arrives: run it (`claimed`, holding the
 * claim id), replay the stored response, or refuse (another body under the same key, the
 * first request still running, or a response that could not be kept).
 */
export const IdempotencyClaim = z.discriminatedUnion("state", [
  z.object({ state: z.literal("claimed"), claimId: z.string() }),
  z.object({ state: z.literal("replay"), response: StoredResponse }),
  z.object({ state: z.literal("mismatch") }),
  z.object({ state: z.literal("in_progress") }),
  z.object({ state: z.literal("unreplayable"), status: z.number().int() }),
]);
export type IdempotencyClaim = z.infer<typeof IdempotencyClaim>;
