import { z } from "zod";

/** A workspace lists at most this many cross-origin clients. */
export const MAX_ALLOWED_ORIGINS = 20;

/**
 * `PUT api/allowed-origins` body: the whole list, replacing the stored one (`[]` allows none).
 * Each entry is `scheme://host[:port]`; the Worker checks and normalises it (see
 * lib/origin-policy.ts), so only the shape is bounded here.
 * @example { origins: ["https://status.example.com", "https://ops.example.org:8443"] }
 */
export const AllowedOriginsInput = z
  .object({
    origins: z
      .array(z.string().min(1, "must not be empty").max(300, "at most 300 characters"))
      .max(MAX_ALLOWED_ORIGINS, `at most ${MAX_ALLOWED_ORIGINS} origins`),
  })
  .strict();
export type AllowedOriginsInput = z.infer<typeof AllowedOriginsInput>;

/** The stored list, normalised (lowercase, default port dropped), as the API returns it. */
export const AllowedOrigins = z.object({ origins: z.array(z.string()) });
export type AllowedOrigins = z.infer<typeof AllowedOrigins>;
