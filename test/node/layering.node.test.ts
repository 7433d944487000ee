import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Imports run one way (AGENTS.md, "Where things live"): each layer may import only the layers
 * listed for it, and no file reaches itself through its imports. The graph is read from the
 * source with TypeScript's own import scanner, so `import type`, `export … from` and side-effect
 * imports all count, and an import named in a comment does not.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What each top-level folder may import besides itself; the Worker may import anything. */
const ALLOWED: Record<string, readonly string[] | "anything"> = {
  schema: [],
  lib: ["schema"],
  providers: ["schema", "lib"],
  "durable-objects": ["schema", "lib", "providers"],
  web: ["schema"],
  worker: "anything",
};
const LAYERS = Object.keys(ALLOWED);

/** Every .ts file below `dir`, as a path relative to the repository root. */
function sources(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && statSync(path.join(abs, f)).isFile())
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")));
}

/** The file a relative specifier names, the way the bundler resolves it, or undefined. */
function resolve(from: string, spec: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`];
  return candidates.find(
    (c) => existsSync(path.join(ROOT, c)) && statSync(path.join(ROOT, c)).isFile(),
  );
}

const layerOf = (file: string): string => file.split("/")[0] ?? "";

type Graph = Map<string, string[]>;

/** Relative specifiers of every static import, `import type`, `export … from` and `import()`. */
function relativeSpecifiers(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."));
}

/** Relative import edges of every layer file; unresolvable specifiers are reported, not guessed. */
function readGraph(): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of LAYERS.flatMap(sources)) {
    const targets: string[] = [];
    for (const spec of relativeSpecifiers(readFileSync(path.join(ROOT, file), "utf8"))) {
      const target = resolve(file, spec);
      if (target) targets.push(target);
      else unresolved.push(`${file} imports "${spec}", which names no file`);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

/** Each import that crosses into a layer its folder may not use, as "a → b (rule)". */
function directionViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      const allowed = ALLOWED[from] ?? [];
      if (to === from || allowed === "anything" || allowed.includes(to)) continue;
      const may = [from, ...allowed].join(", ");
      out.push(`${file} → ${target}: ${from}/ may import only ${may}`);
    }
  }
  return out;
}

/** Every cycle found by one depth-first pass, each as "a → b → … → a". */
function cycles(graph: Graph): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (file: string): void => {
    if (done.has(file)) return;
    if (onStack.has(file)) {
      found.push([...stack.slice(stack.indexOf(file)), file].join(" → "));
      return;
    }
    onStack.add(file);
    stack.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    stack.pop();
    onStack.delete(file);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return found;
}

describe("layering", () => {
  const { graph, unresolved } = readGraph();

  it("reads the whole app", () => {
    expect(unresolved).toEqual([]);
    for (const layer of LAYERS) {
      expect(
        [...graph.keys()].some((f) => layerOf(f) === layer),
        `no files in ${layer}/`,
      ).toBe(true);
    }
  });

  it("imports run one way: schema ← lib ← providers ← durable-objects ← worker → web", () => {
    expect(directionViolations(graph)).toEqual([]);
  });

  it("no module imports itself through others", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("reads every import form and ignores imports in comments", () => {
    const source = [
      'import { a } from "./a";',
      'import type { B } from "../b";',
      'export { c } from "./c";',
      'export type { D } from "./d";',
      'export * from "./e";',
      'import "./f";',
      'const g = await import("./g");',
      'import { z } from "zod";',
      '// import { h } from "./h";',
      '/** @example import { i } from "./i"; */',
    ].join("\n");
    expect(relativeSpecifiers(source)).toEqual(["./a", "../b", "./c", "./d", "./e", "./f", "./g"]);
  });

  it("the checks catch a bad edge and a cycle", () => {
    const bad: Graph = new Map([
      ["durable-objects/a.ts", ["worker/b.ts"]],
      ["worker/b.ts", ["providers/c.ts"]],
      ["providers/c.ts", ["providers/d.ts"]],
      ["providers/d.ts", ["providers/c.ts"]],
    ]);
    expect(directionViolations(bad)).toEqual([
      "durable-objects/a.ts → worker/b.ts: durable-objects/ may import only durable-objects, schema, lib, providers",
    ]);
    expect(cycles(bad)).toEqual(["providers/c.ts → providers/d.ts → providers/c.ts"]);
  });
});
