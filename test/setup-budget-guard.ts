import { afterEach, beforeAll } from "vitest";
import { recordBudgetViolations, takeBudgetViolations } from "./helpers/budget-guard";

// The local runtime does not enforce the 2 MB row limit production does: fail any test whose
// writes or frames exceed the budgets (schema/budgets.ts), even where the object only logged
// the error (a broadcast after the answer left).
beforeAll(() => recordBudgetViolations());

afterEach(() => {
  const violations = takeBudgetViolations();
  if (violations.length > 0)
    throw new Error(`Size budget exceeded during this test:\n${violations.join("\n")}`);
});
