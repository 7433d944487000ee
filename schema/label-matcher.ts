import { RE2JS, RE2JSException } from "re2js";

/**
 * The one place a user-supplied pattern (silence and maintenance-window matchers) is compiled
 * and run. It uses RE2 (the `re2js` port), as Alertmanager does through Go's `regexp`: matching
 * time is linear in the input whatever the pattern, so `(.|.)*`, `((.+))+` or `(.*a){12}` cannot
 * backtrack, and RE2 syntax has no backreferences or lookaround. Native `RegExp` is never built
 * from user input (test/node/no-user-regexp.node.test.ts checks it).
 *
 * It lives in schema/ because the request schemas refuse a bad pattern at the edge, and schema
 * imports nothing of ours; the object and the Worker use the same functions.
 */

/** Longest pattern accepted, in characters (the matcher value's own cap). */
export const LABEL_PATTERN_MAX_LENGTH = 1000;

/**
 * Largest compiled RE2 program accepted, in instructions. It bounds compile time and memory:
 * `(.*){1,1000}` is 6 characters but compiles to thousands of instructions.
 */
export const LABEL_PATTERN_MAX_INSTRUCTIONS = 2000;

/**
 * Longest label value a pattern is run against, in UTF-16 code units: the ingestion cap on
 * label values (`LabelSet`), so no stored value exceeds it. A longer value (only possible
 * from code, never from a hook) does not match any pattern: `=~` is false and `!~` is true.
 */
export const LABEL_MATCH_INPUT_MAX = 16_384;

/**
 * Compiled patterns kept; the least recently used beyond this are compiled again on use. Small,
 * because each keeps a lazily built DFA of up to 8 MB (re2js's budget) and an object has 128 MB.
 */
const CACHE_SIZE = 16;

type Compiled = { ok: true; re: RE2JS } | { ok: false; problem: string };

const cache = new Map<string, Compiled>();

function compile(pattern: string): Compiled {
  if (pattern.length > LABEL_PATTERN_MAX_LENGTH)
    return { ok: false, problem: `must be at most ${LABEL_PATTERN_MAX_LENGTH} characters` };
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    // RE2's own text, e.g. "error parsing regexp: invalid or unsupported Perl syntax: `(?=`".
    const reason = error instanceof RE2JSException ? error.message : "syntax error";
    return { ok: false, problem: `is not a valid RE2 regular expression (${reason})` };
  }
  if (re.re2().numberOfInstructions() > LABEL_PATTERN_MAX_INSTRUCTIONS)
    return {
      ok: false,
      problem: `is too complex: it compiles to more than ${LABEL_PATTERN_MAX_INSTRUCTIONS} RE2 instructions; use smaller repeat counts`,
    };
  return { ok: true, re };
}

/** The compiled pattern from the cache (moved to the most recent end), compiling on a miss. */
function compiled(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const fresh = compile(pattern);
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(pattern, fresh);
  return fresh;
}

/**
 * Results for long label values, keyed by pattern and value. Matching is linear, but a pattern
 * whose DFA keeps growing (`(a|b)*a(a|b){20}`, `.*a.{20}`) still costs tens of ms on a 16 kB
 * value of the right shape, and senders repeat the same alerts (Alertmanager resends every group
 * on each interval; one delivery often carries one label value on many alerts): a repeat costs
 * a lookup. Bounded in entries and in characters kept; short values are matched every time.
 */
const REMEMBER_FROM_CHARS = 256;
const RESULTS_MAX = 512;
const RESULTS_MAX_CHARS = 2_000_000;
const results = new Map<string, boolean>();
let resultChars = 0;

function remembered(key: string, compute: () => boolean): boolean {
  const hit = results.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  while (
    results.size > 0 &&
    (results.size >= RESULTS_MAX || resultChars + key.length > RESULTS_MAX_CHARS)
  ) {
    const oldest = results.keys().next();
    if (oldest.done) break;
    results.delete(oldest.value);
    resultChars -= oldest.value.length;
  }
  results.set(key, value);
  resultChars += key.length;
  return value;
}

/** Why a matcher pattern is refused (too long, not RE2, too complex), or undefined when fine. */
export function labelPatternProblem(pattern: string): string | undefined {
  const c = compiled(pattern);
  return c.ok ? undefined : c.problem;
}

/**
 * True when `value` matches `pattern` as a whole, as Alertmanager's `^(?:pattern)$`. A refused
 * pattern (never stored: the schemas reject it) matches nothing rather than throw.
 */
export function labelPatternMatches(pattern: string, value: string): boolean {
  if (value.length > LABEL_MATCH_INPUT_MAX) return false;
  const c = compiled(pattern);
  if (!c.ok) return false;
  if (value.length < REMEMBER_FROM_CHARS) return c.re.testExact(value);
  // Pattern length first: "\0" may occur in both, but not at the same offset of both keys.
  return remembered(`${pattern.length}:${pattern}\0${value}`, () => c.re.testExact(value));
}
