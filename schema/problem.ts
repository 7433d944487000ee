import { z } from "zod";

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

/** An expected failure a workspace method reports instead of throwing across RPC. */
export const Failure = z.object({
  ok: z.literal(false),
  status: z.number().int().min(400).max(599),
  code: z.string(),
  detail: z.string(),
  field: z.string().optional(),
  current: z.record(z.string(), z.unknown()).optional(),
});
export type Failure = z.infer<typeof Failure>;

export type Outcome<T> = { ok: true; value: T } | Failure;

export function fail(status: number, code: string, detail: string, field?: string): Failure {
  return { ok: false, status, code, detail, field };
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
