import { describe, expect, it } from "vitest";
import { fitsCap, openDelta } from "../../durable-objects/domain/open-alert-cap";
import type { StoredAlertState } from "../../durable-objects/store/open-alerts";

const firing = (id: string) => ({ id, status: "firing" as const });
const resolved = (id: string) => ({ id, status: "resolved" as const });
const stored = (entries: Record<string, StoredAlertState>) => new Map(Object.entries(entries));
const open: StoredAlertState = { resolved: false, dismissed: false };

describe("openDelta follows the alert lifecycle", () => {
  it("counts new firing alerts once, even when a delivery repeats one", () => {
    expect(openDelta([firing("a"), firing("a"), firing("b")], stored({}))).toEqual({
      opened: 2,
      closed: 0,
    });
  });

  it("opens nothing for repeats, late repeats of resolved ones, or resolves seen first", () => {
    const states = stored({ a: open, r: { resolved: true, dismissed: false } });
    expect(openDelta([firing("a"), firing("r"), resolved("new")], states)).toEqual({
      opened: 0,
      closed: 0,
    });
  });

  it("closes stored open alerts once; a dismissed one was not open", () => {
    const states = stored({ a: open, d: { resolved: false, dismissed: true } });
    expect(openDelta([resolved("a"), resolved("a"), resolved("d")], states)).toEqual({
      opened: 0,
      closed: 1,
    });
  });

  it("a new alert fired then resolved in one delivery still opens (as applyAlerts stores it)", () => {
    // The first sight stores it firing; the resolve in the same delivery then closes it.
    expect(openDelta([firing("n"), resolved("n")], stored({}))).toEqual({ opened: 1, closed: 1 });
  });
});

describe("fitsCap", () => {
  const never = () => {
    throw new Error("counted although the bound decided");
  };
  it("always admits a change that opens nothing", () => {
    expect(fitsCap({ opened: 0, closed: 0 }, 50, () => 50, 10)).toBe(true);
  });
  it("decides from the stored rows alone when they cannot reach the cap", () => {
    expect(fitsCap({ opened: 2, closed: 0 }, 8, never, 10)).toBe(true);
  });
  it("counts exactly otherwise, crediting what the change closes", () => {
    expect(fitsCap({ opened: 2, closed: 0 }, 20, () => 9, 10)).toBe(false);
    expect(fitsCap({ opened: 2, closed: 1 }, 20, () => 9, 10)).toBe(true);
    expect(fitsCap({ opened: 1, closed: 0 }, 20, () => 10, 10)).toBe(false);
  });
});
