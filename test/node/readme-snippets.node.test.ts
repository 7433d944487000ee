// The README's marked examples are the ones the e2e tests run: every one must be found, read
// only values the README tells the user to fill in, and be run by some test.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  README,
  fill,
  placeholders,
  shellVariables,
  snippet,
  snippets,
} from "../helpers/readme-snippets";

const E2E = path.resolve(import.meta.dirname, "../e2e");

/** The README without its fenced blocks: where values are explained to the reader. */
const prose = README.replace(/^```[\w-]*\n[\s\S]*?^```$/gm, "");

describe("README snippets", () => {
  const all = snippets(README);

  it("marks the sender and collector examples, each once and fenced", () => {
    expect(all.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "github-webhook-create",
        "github-webhook-hook",
        "alertmanager-create",
        "alertmanager-config",
        "grafana-create",
        "grafana-provisioning",
        "grafana-signed-delivery",
        "pagerduty-create",
        "pagerduty-trigger",
        "pagerduty-resolve",
        "github-collector",
        "aws-configure",
        "prometheus-configure",
        "web3-network",
      ]),
    );
    expect(all.every((s) => s.lang === "sh" || s.lang === "yaml")).toBe(true);
  });

  it("every example is run by an e2e test", () => {
    const tests = readdirSync(E2E)
      .filter((f) => f.startsWith("readme-") && f.endsWith(".e2e.test.ts"))
      .map((f) => readFileSync(path.join(E2E, f), "utf8"))
      .join("\n");
    // Named as a string literal (`snippet("name", …)`, or a helper given the name).
    expect(all.filter((s) => !tests.includes(`"${s.name}"`)).map((s) => s.name)).toEqual([]);
  });

  it("shell examples read only variables the README explains", () => {
    const unexplained = all
      .filter((s) => s.lang === "sh")
      .flatMap((s) => shellVariables(s.text).map((v) => ({ snippet: s.name, v })))
      .filter(({ v }) => !prose.includes(`\`$${v}\``));
    expect(unexplained).toEqual([]);
  });

  it("configuration files hold only placeholders the README explains", () => {
    const unexplained = all
      .filter((s) => s.lang === "yaml")
      .flatMap((s) => placeholders(s.text).map((p) => ({ snippet: s.name, p })))
      .filter(({ p }) => !prose.includes(`\`<${p}>\``));
    expect(unexplained).toEqual([]);
    // …and shell examples none: they read variables, so they run as written.
    expect(all.filter((s) => s.lang === "sh" && placeholders(s.text).length > 0)).toEqual([]);
  });
});

describe("the snippet helper", () => {
  const doc = [
    "Text",
    "<!-- snippet: one -->",
    "",
    "```sh",
    'echo "$A" <B>',
    "```",
    "<!-- snippet: two -->",
    "```yaml",
    "url: <B>/x",
    "```",
  ].join("\n");

  it("reads marked blocks by name and fails loudly on a missing one", () => {
    expect(snippet("one", "sh", doc)).toBe('echo "$A" <B>\n');
    expect(() => snippet("three", undefined, doc)).toThrow(/no snippet 'three'/);
    expect(() => snippet("two", "sh", doc)).toThrow(/is ```yaml, expected ```sh/);
  });

  it("refuses a marker without a block, an unclosed block and a name used twice", () => {
    expect(() => snippets("<!-- snippet: a -->\ntext")).toThrow(/not followed by a fenced block/);
    expect(() => snippets("<!-- snippet: a -->\n```sh\necho")).toThrow(/never closed/);
    expect(() => snippets(`${doc}\n<!-- snippet: one -->\n\`\`\`sh\nx\n\`\`\``)).toThrow(
      /marked twice/,
    );
  });

  it("fills placeholders, and refuses missing or unexpected values", () => {
    expect(fill("url: <B>/x <B>", { B: "http://h" })).toBe("url: http://h/x http://h");
    expect(() => fill("url: <B>", {})).toThrow(/no value for placeholder\(s\) B/);
    expect(() => fill("url: <B>", { B: "x", C: "y" })).toThrow(/has no placeholder\(s\) C/);
  });

  it("tells the variables a shell snippet reads from those it sets", () => {
    expect(shellVariables('T=$(date)\necho "$T $A ${B}" <<EOF\n$C\nEOF')).toEqual(["A", "B", "C"]);
  });
});
