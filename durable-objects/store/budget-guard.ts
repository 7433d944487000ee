import { FRAME_BUDGET_BYTES, ROW_BUDGET_BYTES, utf8Bytes } from "../../schema";

/**
 * Makes the size budgets (schema/budgets.ts) fail loudly where the local runtime would let a
 * write through that production refuses: workerd under `wrangler dev` and the tests does not
 * enforce the 2 MB row limit. Armed only when `ENVIRONMENT` is "test" or "development"; then a
 * statement binding more than `ROW_BUDGET_BYTES` and a socket frame over `FRAME_BUDGET_BYTES`
 * throw `BudgetExceededError`, and each is also recorded where the test setup
 * (test/setup-budget-guard.ts) finds it, since a throw inside a broadcast is only logged.
 */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
}

/** Where violations are recorded for the test setup (the same isolate runs tests and object). */
export const VIOLATIONS_KEY = Symbol.for("opsdeck.budget-violations");
type Registry = { [VIOLATIONS_KEY]?: string[] };

let armed = false;

/** Arms the guard for this isolate when the environment is a local one; true when armed. */
export function armBudgetGuard(env: { ENVIRONMENT?: string }): boolean {
  armed = env.ENVIRONMENT === "test" || env.ENVIRONMENT === "development";
  return armed;
}

function violation(message: string): never {
  (globalThis as Registry)[VIOLATIONS_KEY]?.push(message);
  throw new BudgetExceededError(message);
}

function bindingBytes(value: unknown): number {
  if (typeof value === "string")
    // Cheap first: a string of n UTF-16 units is at most 3n bytes of UTF-8.
    return value.length * 3 <= ROW_BUDGET_BYTES ? value.length : utf8Bytes(value);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 8;
}

/**
 * Throws when a statement's bound values together exceed the row budget: one statement
 * writes one row everywhere in this codebase, so their sum bounds the row.
 */
export function checkBindings(query: string, bindings: readonly unknown[]): void {
  if (!armed) return;
  let total = 0;
  for (const value of bindings) total += bindingBytes(value);
  if (total > ROW_BUDGET_BYTES)
    violation(
      `Row budget exceeded: a statement bound ${total} bytes (budget ${ROW_BUDGET_BYTES}, platform limit 2 MB): ${query.trim().slice(0, 80)}`,
    );
}

/** Throws when a socket frame exceeds the frame budget. */
export function checkFrame(text: string): void {
  if (!armed) return;
  const bytes = text.length * 3 <= FRAME_BUDGET_BYTES ? text.length : utf8Bytes(text);
  if (bytes > FRAME_BUDGET_BYTES)
    violation(
      `Frame budget exceeded: a socket frame of ${bytes} bytes (budget ${FRAME_BUDGET_BYTES}).`,
    );
}

/** `sql` with every `exec` checked against the row budget (a no-op while disarmed). */
export function guardedSql(sql: SqlStorage): SqlStorage {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === "exec")
        return (query: string, ...bindings: unknown[]) => {
          checkBindings(query, bindings);
          return target.exec(query, ...bindings);
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
