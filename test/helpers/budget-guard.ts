import { VIOLATIONS_KEY } from "../../durable-objects/store/budget-guard";

type Registry = { [VIOLATIONS_KEY]?: string[] };

/**
 * Starts recording budget violations (durable-objects/store/budget-guard.ts) in this isolate,
 * which the objects share with the tests.
 */
export function recordBudgetViolations(): void {
  (globalThis as Registry)[VIOLATIONS_KEY] ??= [];
}

/**
 * The violations recorded since the last call, cleared. A test that provokes one on purpose
 * takes it here, so the setup's after-each check (test/setup-budget-guard.ts) does not fail it.
 */
export function takeBudgetViolations(): string[] {
  const registry = globalThis as Registry;
  const taken = registry[VIOLATIONS_KEY] ?? [];
  registry[VIOLATIONS_KEY] = [];
  return taken;
}
