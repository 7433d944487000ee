import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { shellVariables } from "../../helpers/readme-snippets";

export type ShellRun = { stdout: string; stderr: string; code: number };

/**
 * Runs a README shell snippet as a user would after setting its variables: `bash -eo pipefail`,
 * in a scratch directory (or `cwd`), with only PATH, HOME and the given variables in its
 * environment. Throws when the snippet reads a variable the test did not give (the README and
 * the test would disagree about what the user sets), or a given one it never reads.
 */
export async function runShellSnippet(
  text: string,
  vars: Record<string, string>,
  options: { cwd?: string; prelude?: string } = {},
): Promise<ShellRun> {
  const wanted = shellVariables(text);
  const missing = wanted.filter((v) => vars[v] === undefined);
  if (missing.length) throw new Error(`the snippet reads unset variable(s) ${missing.join(", ")}`);
  const unused = Object.keys(vars).filter((k) => !wanted.includes(k));
  if (unused.length) throw new Error(`the snippet never reads ${unused.join(", ")}`);
  const scratch = options.cwd ? undefined : mkdtempSync(path.join(tmpdir(), "opsdeck-snippet-"));
  const script = `${options.prelude ?? ""}\n${text}`;
  // `env -i`: only PATH, HOME and the snippet's variables, so it cannot lean on the test's
  // environment (the generated Worker types also make a plain `env` object awkward to type).
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), ...vars };
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  try {
    return await new Promise<ShellRun>((resolve) => {
      execFile(
        "env",
        ["-i", ...assignments, "bash", "-eo", "pipefail", "-c", script],
        { cwd: options.cwd ?? scratch, timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ stdout, stderr, code });
        },
      );
    });
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The JSON a snippet printed (its last non-empty line), failing with what it printed. */
export function printedJson<T>(run: ShellRun): T {
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(
      `expected JSON from the snippet (exit ${run.code}); stdout: ${run.stdout} stderr: ${run.stderr}`,
    );
  }
}
