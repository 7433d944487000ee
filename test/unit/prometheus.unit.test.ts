import { describe, expect, it } from "vitest";
import { escapeLabel, renderExposition, type Family } from "../../worker/lib/prometheus";

const gauge = (samples: Family["samples"], help = "A gauge."): Family => ({
  name: "opsdeck_test",
  help,
  type: "gauge",
  samples,
});

describe("Prometheus text exposition", () => {
  it("writes HELP, TYPE and one line per sample, ending with a newline", () => {
    const text = renderExposition([
      gauge([{ labels: { a: "1", b: "two" }, value: 3 }, { value: 4.5 }]),
      { name: "opsdeck_events_total", help: "Events.", type: "counter", samples: [{ value: 7 }] },
    ]);
    expect(text).toBe(
      [
        "# HELP opsdeck_test A gauge.",
        "# TYPE opsdeck_test gauge",
        'opsdeck_test{a="1",b="two"} 3',
        "opsdeck_test 4.5",
        "# HELP opsdeck_events_total Events.",
        "# TYPE opsdeck_events_total counter",
        "opsdeck_events_total 7",
        "",
      ].join("\n"),
    );
  });

  it('escapes \\, " and newline in label values, in that order', () => {
    expect(escapeLabel('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeLabel("C:\\temp")).toBe("C:\\\\temp");
    expect(escapeLabel("line1\nline2")).toBe("line1\\nline2");
    // A backslash before a quote must not turn into an escaped quote.
    expect(escapeLabel('\\"')).toBe('\\\\\\"');
    expect(escapeLabel("\\n")).toBe("\\\\n");
    const text = renderExposition([gauge([{ labels: { label: 'a"b\\c\nd' }, value: 1 }])]);
    expect(text).toContain('opsdeck_test{label="a\\"b\\\\c\\nd"} 1\n');
    // Every sample stays on one line.
    expect(text.trimEnd().split("\n")).toHaveLength(3);
  });

  it("keeps other characters (unicode, braces, commas, equals) verbatim inside quotes", () => {
    const text = renderExposition([gauge([{ labels: { label: "CPU {p95}, a=b – ✓" }, value: 1 }])]);
    expect(text).toContain('opsdeck_test{label="CPU {p95}, a=b – ✓"} 1');
  });

  it("escapes backslash and newline in HELP text", () => {
    const text = renderExposition([gauge([], "first\nsecond \\ third")]);
    expect(text.split("\n")[0]).toBe("# HELP opsdeck_test first\\nsecond \\\\ third");
  });

  it("writes special values the way Prometheus parses them", () => {
    const text = renderExposition([
      gauge([
        { labels: { v: "nan" }, value: Number.NaN },
        { labels: { v: "inf" }, value: Infinity },
        { labels: { v: "-inf" }, value: -Infinity },
        { labels: { v: "big" }, value: 1e21 },
        { labels: { v: "small" }, value: -0.000001 },
      ]),
    ]);
    expect(text).toContain('{v="nan"} NaN');
    expect(text).toContain('{v="inf"} +Inf');
    expect(text).toContain('{v="-inf"} -Inf');
    expect(text).toContain('{v="big"} 1e+21');
    expect(text).toContain('{v="small"} -0.000001');
  });

  it("a family without samples still declares itself", () => {
    expect(renderExposition([gauge([])])).toBe(
      "# HELP opsdeck_test A gauge.\n# TYPE opsdeck_test gauge\n",
    );
  });

  it("refuses invalid metric or label names (they come from code, so this is a bug)", () => {
    expect(() => renderExposition([{ ...gauge([]), name: "bad-name" }])).toThrow(/invalid/);
    expect(() => renderExposition([gauge([{ labels: { "bad label": "x" }, value: 1 }])])).toThrow(
      /invalid/,
    );
    expect(() => renderExposition([gauge([{ labels: { "1st": "x" }, value: 1 }])])).toThrow(
      /invalid/,
    );
  });
});
