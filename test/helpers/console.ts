import { onTestFinished, vi } from "vitest";

/**
 * Captures `console[method]` for the rest of the current test, for a test that provokes a logged
 * failure on purpose: it asserts the line (and that it holds no secret) instead of letting it
 * print as noise. Code under test in a Durable Object logs through the same `console`, because
 * the objects run in the test's isolate. Restored when the test finishes, pass or fail.
 * @example
 * const errors = captureConsole("error");
 * await provokeFailure();
 * expect(errors.lines()).toEqual(["Workspace:alarm boom simulated collector failure"]);
 */
export function captureConsole(method: "error" | "warn" | "log"): { lines: () => string[] } {
  const spy = vi.spyOn(console, method).mockImplementation(() => undefined);
  onTestFinished(() => spy.mockRestore());
  return { lines: () => spy.mock.calls.map((args) => args.map(String).join(" ")) };
}
