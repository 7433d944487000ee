import { z } from "zod";

/**
 * Size budgets: the single source of every number that keeps a stored row, a stored value and
 * a socket frame within what Cloudflare allows. A Durable Object's SQLite row (and any one
 * string or blob value) may not exceed 2 MB in production, and the local runtime does not
 * enforce it, so these budgets are what keeps a write from failing only once deployed.
 * Sizes are bytes of the JSON text as stored (UTF-8, after JSON escaping), see `jsonBytes`.
 */

/** Cloudflare's limit for one SQLite row or value in a Durable Object. */
export const PLATFORM_ROW_BYTES = 2 * 1024 * 1024;

/**
 * What one row may hold: half the platform's limit, so every stored shape has headroom for
 * the fields around its largest value. The test guard (host.ts) fails any bigger write.
 */
export const ROW_BUDGET_BYTES = 1024 * 1024;

/**
 * One list as a frame carries it (`alerts`, `incidents`, …): a change frame is stored as an
 * event-log row before it is sent, so it must fit a row; the snapshot carries every list, so
 * together they must fit `FRAME_BUDGET_BYTES` (0.875 + 0.5 + 9 × 0.25 MiB = 3.6 MiB). A list
 * larger than its budget is sent abbreviated (durable-objects/domain/frame-fit.ts).
 */
export const LIST_FRAME_BYTES = {
  alerts: 896 * 1024,
  incidents: 512 * 1024,
  other: 256 * 1024,
} as const;

/**
 * Any one socket frame, the snapshot included (never stored). Far below the 32 MiB a
 * WebSocket message may have on Workers, since a browser parses it on the main thread.
 */
export const FRAME_BUDGET_BYTES = 4 * 1024 * 1024;

/** Keys and bytes per label or annotation set of an alert. */
export type SetBudget = {
  keys: number;
  nameBytes: number;
  valueBytes: number;
  totalBytes: number;
};

/**
 * Labels identify an alert and are matched by silences: Prometheus sets rarely exceed 30
 * keys of short values. A value may be as long as a matcher pattern runs on
 * (LABEL_MATCH_INPUT_MAX in label-matcher.ts: UTF-8 bytes are never fewer than UTF-16 units),
 * and `totalBytes` bounds the set whatever the keys.
 */
export const LABEL_SET_BUDGET: SetBudget = {
  keys: 64,
  nameBytes: 256,
  valueBytes: 16 * 1024,
  totalBytes: 64 * 1024,
};

/** Annotations carry prose (summary, description, runbook_url): same shape as labels. */
export const ANNOTATION_SET_BUDGET: SetBudget = {
  keys: 64,
  nameBytes: 256,
  valueBytes: 8 * 1024,
  totalBytes: 64 * 1024,
};

/** One note on an alert (acknowledge or resolve with `notes`), in characters. */
export const NOTE_MAX_CHARS = 10_000;
/** All notes of one alert together; a note past it is refused (422 naming `notes`). */
export const NOTES_BUDGET_BYTES = 256 * 1024;

/**
 * Incident timelines live one entry per row (`incident_timeline`); the incident row keeps
 * only its newest entries, and a detail read returns at most `TIMELINE_READ_MAX`.
 */
export const TIMELINE_INLINE_ENTRIES = 10;
export const TIMELINE_READ_MAX = 200;

/**
 * One stored pipeline run with its stages (GitHub jobs) and their steps; past it, steps are
 * dropped from the stored copy (durable-objects/domain/pipeline-budget.ts).
 */
export const PIPELINE_ROW_BYTES = 256 * 1024;

/** `before` and `after` of an audit row, each; larger ones are stored as a `TruncatedValue`. */
export const AUDIT_VALUE_BYTES = 64 * 1024;

/**
 * Stands in for an audit value, or an alert list item, that was too large to keep whole:
 * visible to whoever reads it, with the size it had.
 */
export const TruncatedValue = z.object({ truncated: z.literal(true), bytes: z.number().int() });
export type TruncatedValue = z.infer<typeof TruncatedValue>;

/**
 * What was cut from a record to fit its budget: the field (`labels`, `annotations.description`,
 * `frame` for a list item sent abbreviated), its size before, and the keys dropped, if any.
 */
export const Truncation = z.object({
  field: z.string().max(300),
  bytes: z.number().int().nonnegative(),
  droppedKeys: z.number().int().nonnegative().optional(),
});
export type Truncation = z.infer<typeof Truncation>;

/** Where a string value was cut; followed by its size before. */
export const TRUNCATION_MARK = "…[truncated from ";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/** Bytes of a value's JSON text as it would be stored. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : utf8Bytes(text);
}

/** Bytes one UTF-16 unit costs inside a JSON string (escapes included). */
function unitCost(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2;
  // \b \t \n \f \r have two-character escapes; other controls are \u00XX.
  if (code < 0x20) return [8, 9, 10, 12, 13].includes(code) ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  // A lone surrogate (a pair is priced by the caller) is escaped as \udxxx.
  if (code >= 0xd800 && code <= 0xdfff) return 6;
  return 3;
}

/**
 * The longest prefix of `text` whose JSON string body fits `maxBytes`, never splitting a
 * surrogate pair.
 */
function prefixWithin(text: string, maxBytes: number): string {
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const pair = code >= 0xd800 && code <= 0xdbff && end + 1 < text.length;
    const cost = pair ? 4 : unitCost(code);
    if (used + cost > maxBytes) break;
    used += cost;
    end += pair ? 2 : 1;
  }
  return text.slice(0, end);
}

/**
 * `text` when its JSON form fits `maxBytes` (quotes excluded), else a prefix ending in a
 * visible mark with the original size, the whole within `maxBytes`.
 * @example clipBytes("a".repeat(10_000), 100) // "aaa…[truncated from 10000 bytes]"
 */
export function clipBytes(text: string, maxBytes: number): string {
  const size = jsonBytes(text) - 2;
  if (size <= maxBytes) return text;
  const mark = `${TRUNCATION_MARK}${size} bytes]`;
  return prefixWithin(text, Math.max(0, maxBytes - utf8Bytes(mark))) + mark;
}

/** The value when its JSON fits `maxBytes`, else a `TruncatedValue` with its size. */
export function boundedValue<T>(value: T, maxBytes: number): T | TruncatedValue {
  const bytes = jsonBytes(value);
  return bytes <= maxBytes ? value : { truncated: true, bytes };
}
