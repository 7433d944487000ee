// Vite's `?raw` import works in both vitest projects (Node and the workers pool), where the
// workers pool could not read the file from disk.
import readmeText from "../../README.md?raw";

/** The README as the tests read it. */
export const README = readmeText;

/** One fenced block marked `<!-- snippet: name -->` on the line before it (blank lines allowed). */
export type Snippet = { name: string; lang: string; text: string; line: number };

const MARKER = /^<!-- snippet: ([a-z0-9-]+) -->$/;
const FENCE = /^```([\w-]*)$/;

/**
 * Every marked snippet of a Markdown text, in order. Throws when a marker is not followed by a
 * fenced block, a block is not closed, or a name appears twice, so a broken marker fails every
 * test that reads the README instead of silently dropping a snippet.
 * @example snippets(README).map((s) => s.name) // ["github-webhook-create", …]
 */
export function snippets(markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = MARKER.exec(lines[i]!)?.[1];
    if (!name) continue;
    let open = i + 1;
    while (open < lines.length && lines[open]!.trim() === "") open++;
    const lang = FENCE.exec(lines[open] ?? "")?.[1];
    if (lang === undefined)
      throw new Error(`README line ${i + 1}: snippet '${name}' is not followed by a fenced block`);
    const close = lines.findIndex((l, j) => j > open && l === "```");
    if (close < 0) throw new Error(`README line ${open + 1}: snippet '${name}' is never closed`);
    if (found.some((s) => s.name === name))
      throw new Error(`README line ${i + 1}: snippet '${name}' is marked twice`);
    found.push({ name, lang, text: `${lines.slice(open + 1, close).join("\n")}\n`, line: i + 1 });
  }
  return found;
}

/**
 * The README's snippet `name`, failing loudly when it is missing or in another language than
 * the test expects.
 */
export function snippet(name: string, lang?: string, markdown = README): string {
  const found = snippets(markdown).find((s) => s.name === name);
  if (!found)
    throw new Error(
      `README.md has no snippet '${name}' (a line '<!-- snippet: ${name} -->' before a fenced block)`,
    );
  if (lang !== undefined && found.lang !== lang)
    throw new Error(`README snippet '${name}' is \`\`\`${found.lang}, expected \`\`\`${lang}`);
  return found.text;
}

/** `<OPSDECK_URL>`-style placeholders in a text, each once. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/<([A-Z][A-Z0-9_]*)>/g)].map((m) => m[1]!))];
}

/**
 * Replaces each `<NAME>` placeholder with `values[NAME]`. Throws when the text has a
 * placeholder without a value, or a value is given for one the text does not have (the README
 * and the test would disagree about what the user fills in).
 * @example fill("url: <OPSDECK_URL>/x", { OPSDECK_URL: "http://127.0.0.1:8787" }) // "url: http://127.0.0.1:8787/x"
 */
export function fill(text: string, values: Record<string, string>): string {
  const wanted = placeholders(text);
  const missing = wanted.filter((p) => values[p] === undefined);
  if (missing.length) throw new Error(`no value for placeholder(s) ${missing.join(", ")}`);
  const unused = Object.keys(values).filter((k) => !wanted.includes(k));
  if (unused.length) throw new Error(`the snippet has no placeholder(s) ${unused.join(", ")}`);
  return text.replace(/<([A-Z][A-Z0-9_]*)>/g, (_, name: string) => values[name]!);
}

/**
 * The answer a shell snippet documents in its last `# {…}` comment line, parsed, when it is
 * written out in full; `undefined` when it elides parts with `…` (the test then checks the
 * parts it names).
 */
export function documentedAnswer(text: string): unknown {
  const comment = text
    .trimEnd()
    .split("\n")
    .findLast((l) => l.startsWith("# {"));
  if (!comment) throw new Error("the snippet documents no answer (a last line '# {…}')");
  const json = comment.slice(2);
  return json.includes("…") ? undefined : (JSON.parse(json) as unknown);
}

/** The `$NAME` variables a shell snippet reads (not those it sets itself). */
export function shellVariables(text: string): string[] {
  const assigned = new Set([...text.matchAll(/^\s*([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
  const read = [...text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)].map((m) => m[1]!);
  return [...new Set(read)].filter((v) => !assigned.has(v));
}
