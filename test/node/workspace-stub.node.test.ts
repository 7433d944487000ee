import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Only worker/lib/workspace-directory.ts names a workspace object for a request: it asks the
 * Directory first, so a stranger's slug never creates an object. The two trusted callers are
 * listed: creating a workspace (operator credential) and the cron (ids from the directory).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ALLOWED = new Set([
  "worker/lib/workspace-directory.ts",
  "worker/routes/workspaces.ts",
  "worker/jobs/wake-workspaces.ts",
]);

describe("workspace stubs from untrusted slugs", () => {
  it("come only from the directory-checked lookup", () => {
    const files = readdirSync(path.join(ROOT, "worker"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.posix.join("worker", f.split(path.sep).join("/")));
    const offenders = files.filter(
      (f) =>
        !ALLOWED.has(f) &&
        /WORKSPACE\s*\.\s*(getByName|idFromName|get)\s*\(/.test(
          readFileSync(path.join(ROOT, f), "utf8"),
        ),
    );
    expect(offenders).toEqual([]);
  });
});
