import { z } from "zod";

/** One failing input of a request: `path` like `json.alerts.0.startsAt`, and what is wrong. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** RFC 9457 problem details with Opsdeck's stable `code` and validation `issues`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** On a 409: the record as it stands now, so the client can show it without a re-read. */
  current: z.record(z.string(), z.unknown()).optional(),
});
export type Problem = z.infer<typeof Problem>;

/**
 * An expected failure a workspace method (or a Worker check) reports instead of throwing
 * across RPC. The Worker turns it into its HTTP answer in one place (`ApiError.from`).
 */
export const Failure = z.object({
  ok: z.literal(false),
  status: z.number().int().min(400).max(599),
  code: z.string(),
  detail: z.string(),
  /** The one input at fault; becomes the problem's single issue when `issues` is absent. */
  field: z.string().optional(),
  /** Every failing input of a refused body. */
  issues: z.array(FieldIssue).optional(),
  /** When to come back (rate limits, a provider down): sent as `Retry-After`. */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  /** On a 409: the record as it stands now. */
  current: z.record(z.string(), z.unknown()).optional(),
});
export type Failure = z.infer<typeof Failure>;

/** What a failure may carry besides its status, code and detail. */
export type FailureDetails = Pick<Failure, "field" | "issues" | "retryAfterSeconds" | "current">;

/** The result of anything that can fail in an expected way: the value, or why not. */
export type Outcome<T> = { ok: true; value: T } | Failure;

/**
 * An expected failure.
 * @example fail(404, "not_found", `No alert '${id}'.`, { field: "id" })
 * @example fail(429, "rate_limited", "Too fast.", { retryAfterSeconds: 2 })
 */
export function fail(
  status: number,
  code: string,
  detail: string,
  details: FailureDetails = {},
): Failure {
  return { ok: false, status, code, detail, ...details };
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
