import { describe, expect, it } from "vitest";
import {
  ANNOTATION_SET_BUDGET,
  LABEL_SET_BUDGET,
  TRUNCATION_MARK,
  boundedValue,
  clipBytes,
  jsonBytes,
} from "../../schema";
import { fitAlertSets, fitSet } from "../../durable-objects/domain/alert-budget";
import { compactAlert, fitAlerts, fitList } from "../../durable-objects/domain/frame-fit";
import { makeAlert } from "../helpers/seed";

describe("clipBytes", () => {
  it("keeps text that fits and clips the rest within the budget, with the original size", () => {
    expect(clipBytes("short", 100)).toBe("short");
    for (const unit of ["a", "é", "€", "😀", "\u0001", '"', "\n"]) {
      const text = unit.repeat(5_000);
      const clipped = clipBytes(text, 1_000);
      expect(jsonBytes(clipped) - 2, unit).toBeLessThanOrEqual(1_000);
      expect(clipped.endsWith(`${TRUNCATION_MARK}${jsonBytes(text) - 2} bytes]`)).toBe(true);
      // Never a lone half of a surrogate pair.
      expect(clipped.isWellFormed()).toBe(true);
    }
  });

  it("stands in for a value over budget with its size", () => {
    expect(boundedValue({ a: 1 }, 100)).toEqual({ a: 1 });
    expect(boundedValue({ a: "x".repeat(200) }, 100)).toEqual({ truncated: true, bytes: 208 });
  });
});

describe("fitSet", () => {
  it("keeps well-known keys first, drops the excess and long names, clips long values", () => {
    const set: Record<string, string> = {};
    for (let i = 0; i < 500; i++) set[`k${i}`] = "v";
    set["n".repeat(300)] = "long name";
    set.alertname = "Down";
    set.big = "x".repeat(20_000);
    const fitted = fitSet(set, LABEL_SET_BUDGET, "labels", ["alertname"]);
    expect(Object.keys(fitted.set)).toHaveLength(LABEL_SET_BUDGET.keys);
    expect(Object.keys(fitted.set)[0]).toBe("alertname");
    expect(jsonBytes(fitted.set)).toBeLessThanOrEqual(LABEL_SET_BUDGET.totalBytes);
    expect(fitted.truncations[0]).toMatchObject({ field: "labels", droppedKeys: 503 - 64 });
  });

  it("bounds a set of many large values by its total", () => {
    const set = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [`a${i}`, "y".repeat(8_000)]),
    );
    const fitted = fitAlertSets({}, set);
    expect(jsonBytes(fitted.annotations)).toBeLessThanOrEqual(ANNOTATION_SET_BUDGET.totalBytes);
    expect(fitted.truncated?.[0]).toMatchObject({ field: "annotations" });
    expect(fitAlertSets({ a: "b" }, { c: "d" }).truncated).toBeUndefined();
  });
});

describe("fitList", () => {
  it("returns a list within budget unchanged, and abbreviates a larger one within it", () => {
    const small = [makeAlert(), makeAlert()];
    expect(fitAlerts(small)).toBe(small);
    const big = Array.from({ length: 200 }, () =>
      makeAlert({
        title: "T".repeat(1024),
        message: "\u0001".repeat(10_000),
        labels: Object.fromEntries(
          Array.from({ length: 64 }, (_, i) => [`l${i}`, "v".repeat(900)]),
        ),
        silencedBy: Array.from({ length: 100 }, (_, i) => `silence-${i}`.padEnd(200, "s")),
      }),
    );
    const fitted = fitList(big, 896 * 1024, compactAlert);
    expect(fitted).toHaveLength(200);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(896 * 1024);
    expect(fitted[0]!.truncated?.[0]).toMatchObject({ field: "frame" });
    expect(fitted[0]!.id).toBe(big[0]!.id);
  });

  it("drops the oldest only when abbreviation cannot make room", () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `${i}`, pad: "p".repeat(100) }));
    const fitted = fitList(items, 500);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(500);
    expect(fitted.map((i) => i.id)).toEqual(items.slice(0, fitted.length).map((i) => i.id));
  });
});
