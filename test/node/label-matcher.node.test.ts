import { describe, expect, it } from "vitest";
import {
  LABEL_MATCH_INPUT_MAX,
  LABEL_PATTERN_MAX_INSTRUCTIONS,
  LABEL_PATTERN_MAX_LENGTH,
  labelPatternMatches,
  labelPatternProblem,
  matcherMatches,
  SilenceRecord,
  type LabelMatcher,
} from "../../schema";
import { CATASTROPHIC_PATTERNS } from "../helpers/catastrophic-patterns";

/**
 * Matcher patterns run on RE2 (schema/label-matcher.ts): Alertmanager's semantics, and time
 * linear in the label whatever the pattern. Timed here in Node, where the clock advances
 * during synchronous work (inside workerd it does not).
 */

const CATASTROPHIC = CATASTROPHIC_PATTERNS;

/** 10 kB labels shaped to make each pattern almost match, then fail at the end. */
const LABELS = [
  "a".repeat(10_240),
  `${"a".repeat(10_239)}!`,
  "x".repeat(10_240),
  `${"ab ".repeat(3413)}!`,
  `${"aaaaaaaaaA".repeat(1024)}`,
];

const RUNS = 20;

/**
 * Fastest wall time of `RUNS` calls, in ms. The whole suite shares two cores, so a median can
 * land on a descheduled run; a backtracking pattern is slow on every run, so the fastest still
 * shows it, while load alone can never make a linear match fail.
 */
function fastestMs(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return Math.min(...times);
}

const m = (op: LabelMatcher["op"], value: string, name = "job"): LabelMatcher => ({
  name,
  op,
  value,
});

describe("label patterns: Alertmanager semantics", () => {
  it("match the whole value (^(?:pattern)$), not a part of it", () => {
    expect(labelPatternMatches("foo", "foo")).toBe(true);
    expect(labelPatternMatches("foo", "foobar")).toBe(false);
    expect(labelPatternMatches("foo", "xfoo")).toBe(false);
    expect(labelPatternMatches("foo.*", "foobar")).toBe(true);
    expect(labelPatternMatches(".*bar", "foobar")).toBe(true);
    // Alternation is inside the anchors, as with ^(?:a|b)$.
    expect(labelPatternMatches("foo|bar", "foo")).toBe(true);
    expect(labelPatternMatches("foo|bar", "foobar")).toBe(false);
    expect(labelPatternMatches("foo|foobar", "foobar")).toBe(true);
    // `.` does not match a newline (Go's default), and `$` is the end of the value.
    expect(labelPatternMatches("a.b", "a\nb")).toBe(false);
    expect(labelPatternMatches("(?s)a.b", "a\nb")).toBe(true);
    expect(labelPatternMatches("", "")).toBe(true);
    expect(labelPatternMatches("", "x")).toBe(false);
  });

  it("applies =~ and !~ as Alertmanager does, a missing label being empty", () => {
    const labels = { job: "foobar", env: "prod" };
    expect(matcherMatches(m("=~", "foo"), labels)).toBe(false);
    expect(matcherMatches(m("=~", "foo.*"), labels)).toBe(true);
    expect(matcherMatches(m("!~", "foo"), labels)).toBe(true);
    expect(matcherMatches(m("!~", "foo.*"), labels)).toBe(false);
    expect(matcherMatches(m("=~", "prod|staging", "env"), labels)).toBe(true);
    expect(matcherMatches(m("=~", ".*", "team"), labels)).toBe(true);
    expect(matcherMatches(m("=~", ".+", "team"), labels)).toBe(false);
    expect(matcherMatches(m("!~", ".+", "team"), labels)).toBe(true);
  });

  it("accepts RE2 syntax, including Unicode classes and case folding", () => {
    expect(labelPatternMatches("(?i)HIGH.*", "highLatency")).toBe(true);
    expect(labelPatternMatches("\\p{Greek}+", "αβγ")).toBe(true);
    expect(labelPatternMatches("[[:digit:]]{3}", "503")).toBe(true);
    expect(labelPatternProblem("(?P<name>a+)b")).toBeUndefined();
  });

  it("refuses what RE2 does not support, with RE2's own reason", () => {
    expect(labelPatternProblem("(a)\\1")).toMatch(
      /^is not a valid RE2 regular expression \(error parsing regexp: invalid escape sequence: `\\1`\)$/,
    );
    expect(labelPatternProblem("(?=a)b")).toMatch(/not a valid RE2.*Perl syntax: `\(\?=`/);
    expect(labelPatternProblem("(?<!a)b")).toMatch(/not a valid RE2/);
    expect(labelPatternProblem("(")).toMatch(/not a valid RE2.*missing closing \)/);
    expect(labelPatternProblem("a{1,32000}")).toMatch(/invalid repeat count/);
    expect(labelPatternProblem("a".repeat(LABEL_PATTERN_MAX_LENGTH + 1))).toMatch(
      /at most 1000 characters/,
    );
    expect(labelPatternProblem("(.*){1,1000}")).toMatch(
      new RegExp(`more than ${LABEL_PATTERN_MAX_INSTRUCTIONS} RE2 instructions`),
    );
    // Refused patterns are never stored; if one reaches the matcher it matches nothing.
    expect(labelPatternMatches("(a)\\1", "aa")).toBe(false);
  });

  it("keeps a stored silence readable whose pattern an older check let through", () => {
    const legacy = {
      id: "s1",
      kind: "silence",
      matchers: [{ name: "job", op: "=~", value: "(?=api)api" }],
      startsAt: "2026-01-01T00:00:00.000Z",
      endsAt: "2026-01-02T00:00:00.000Z",
      comment: "written before RE2",
      createdBy: "op",
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const record = SilenceRecord.parse(legacy);
    const [matcher] = record.matchers;
    expect(matcher && matcherMatches(matcher, { job: "api" })).toBe(false);
  });

  it("treats a value longer than the input cap as not matching (ingestion caps labels there)", () => {
    const long = "a".repeat(LABEL_MATCH_INPUT_MAX + 1);
    expect(labelPatternMatches("a*", long)).toBe(false);
    expect(matcherMatches(m("!~", "a*"), { job: long })).toBe(true);
    expect(labelPatternMatches("a*", long.slice(1))).toBe(true);
  });
});

describe("label patterns: linear time", () => {
  it.each(CATASTROPHIC)("%s on a 10 kB label: refused, or under 1 ms per match", (pattern) => {
    const problem = labelPatternProblem(pattern);
    if (problem !== undefined) {
      // RE2 refuses what it cannot run in bounded time (here, repeat counts over 1000).
      expect(problem).toMatch(/not a valid RE2|too complex/);
      return;
    }
    for (const label of LABELS) {
      labelPatternMatches(pattern, label); // warm: compile and build the DFA states once
      expect(fastestMs(() => labelPatternMatches(pattern, label))).toBeLessThan(1);
    }
  });

  it("the corpus is mostly accepted: the bound comes from the engine, not a refusal", () => {
    const accepted = CATASTROPHIC.filter((p) => labelPatternProblem(p) === undefined);
    expect(accepted.length).toBeGreaterThanOrEqual(CATASTROPHIC.length - 1);
  });
});

describe("label patterns: repeated long values", () => {
  /** 16 kB of a and b from a fixed seed: the shape that keeps growing these patterns' DFAs. */
  function abLabel(seed: number, length = 16_384): string {
    let x = seed;
    let out = "";
    for (let i = 0; i < length; i++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      out += x & 0x10000 ? "a" : "b";
    }
    return out;
  }

  it.each(["(a|b)*a(a|b){20}", ".*a.{20}"])(
    "%s: a repeat of a long value answers alike, from memory, under 1 ms",
    (pattern) => {
      const noMatch = `${abLabel(7)}b${"b".repeat(20)}`.slice(-16_384);
      const match = `${abLabel(11).slice(0, 16_000)}a${"b".repeat(20)}`;
      expect(labelPatternMatches(pattern, match)).toBe(true);
      expect(labelPatternMatches(pattern, noMatch)).toBe(false);
      expect(fastestMs(() => labelPatternMatches(pattern, match))).toBeLessThan(1);
      expect(
        fastestMs(() => expect(labelPatternMatches(pattern, noMatch)).toBe(false)),
      ).toBeLessThan(1);
      // Another pattern on the same value is its own entry.
      expect(labelPatternMatches("b+", noMatch)).toBe(false);
      expect(labelPatternMatches("[ab]+", noMatch)).toBe(true);
    },
  );
});
