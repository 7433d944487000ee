import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * A native `RegExp` backtracks, so one built from user input can freeze the object
 * (issue 14, "Patterns are safe"). User patterns go through schema/label-matcher.ts (RE2);
 * this test fails when app code builds a `RegExp` from anything but a literal, or hands a
 * non-literal to `String.prototype.match/matchAll/search` (which compile a string argument
 * into a `RegExp`). A dynamic `RegExp` whose parts are all constants goes in `ALLOWED`.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FOLDERS = ["schema", "lib", "providers", "durable-objects", "worker", "web"];

/** `file: source text of the call`, each reviewed: no user input reaches the pattern. */
const ALLOWED = new Set([
  // `prefix` is a literal union ("gh-run-" | "gh-job-" | "gh-deploy-").
  "durable-objects/domain/provider-call.ts: new RegExp(`^${prefix}(\\\\d{1,20})$`)",
  // `name` is one of the client's own cookie names.
  "web/client/live.ts: new RegExp(`(?:^|; )${name}=(\\\\d+)`)",
  // The Cache API's `match`, not a string's.
  "worker/lib/public-status-cache.ts: cache.match(key)",
  "worker/lib/directory-edge-cache.ts: cache.match(keyOf(slug))",
]);

function sources(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && statSync(path.join(abs, f)).isFile())
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")));
}

const isLiteral = (node: ts.Node | undefined): boolean =>
  node !== undefined &&
  (ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isRegularExpressionLiteral(node));

const COERCING_METHODS = new Set(["match", "matchAll", "search"]);

/** Each dynamic pattern in `text`, as "file: call". */
export function dynamicPatterns(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) || ts.isCallExpression(node)) {
      const callee = node.expression;
      const first = node.arguments?.[0];
      const regExp = ts.isIdentifier(callee) && callee.text === "RegExp";
      const coercing =
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(callee) &&
        COERCING_METHODS.has(callee.name.text);
      if ((regExp || coercing) && first && !isLiteral(first))
        found.push(`${file}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("no RegExp from user input", () => {
  it("app code builds RegExps only from literals (or reviewed constants)", () => {
    const found = FOLDERS.flatMap(sources).flatMap((file) =>
      dynamicPatterns(file, readFileSync(path.join(ROOT, file), "utf8")),
    );
    expect(found.filter((f) => !ALLOWED.has(f))).toEqual([]);
    // An allow-list entry whose code changed or went away is stale: review it again.
    expect([...ALLOWED].filter((a) => !found.includes(a))).toEqual([]);
  });

  it("catches the shapes it is meant to catch", () => {
    const text = [
      "const a = new RegExp(userPattern);",
      "const b = RegExp(`^(?:${p})$`);",
      "const c = value.match(pattern);",
      "const d = value.search(`${p}`);",
      'const ok1 = new RegExp("^a+$");',
      "const ok2 = /^a+$/.test(value);",
      "const ok3 = value.match(/a/g);",
    ].join("\n");
    expect(dynamicPatterns("x.ts", text)).toEqual([
      "x.ts: new RegExp(userPattern)",
      "x.ts: RegExp(`^(?:${p})$`)",
      "x.ts: value.match(pattern)",
      "x.ts: value.search(`${p}`)",
    ]);
  });
});
