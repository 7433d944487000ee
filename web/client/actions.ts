/**
 * Action forms: the page's mutations (acknowledge, rollback, settings…) are forms with
 * `data-api`; their named fields become a JSON body, the answer is reported in place.
 */

/** `issues`: a failed answer's field issues (`path` without its `json.` prefix). */
export type ActionResult = {
  ok: boolean;
  text: string;
  value?: string;
  body?: unknown;
  issues?: { path: string; message: string }[];
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets `a.b.c` in a nested object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = isRecord(next) ? next : (node[key] = {});
  }
  node[keys[keys.length - 1]!] = value;
}

/** `data-type="pairs"`: one `key = value` a line, as an object (a role mapping's values). */
function pairsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.lastIndexOf("=");
    if (at < 0) continue;
    const key = line.slice(0, at).trim();
    if (key) out[key] = line.slice(at + 1).trim();
  }
  return out;
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
const SKIP = Symbol("skip");

/** One field's JSON value, or SKIP (an empty optional field, an unchecked radio). */
function valueOf(el: Field): unknown {
  if (el instanceof HTMLInputElement && el.type === "checkbox") return el.checked;
  if (el instanceof HTMLInputElement && el.type === "radio") return el.checked ? el.value : SKIP;
  if (el.value === "" && !el.required) return SKIP;
  if (el.dataset.type === "number") return Number(el.value);
  if (el.dataset.type === "list") return el.value.split(/[\s,]+/).filter(Boolean);
  if (el.dataset.type === "pairs") return pairsOf(el.value);
  return el.value;
}

/**
 * A `[data-array]` block's rows (`[data-row]`, added and removed in the page) as an array of
 * objects of their named fields. Each field learns its path (`cards.1.query`) in
 * `data-path`, so a problem's issue can be shown on the very field it names.
 */
function rowsOf(box: HTMLElement): Record<string, unknown>[] {
  const name = box.dataset.array!;
  return Array.from(box.querySelectorAll<HTMLElement>("[data-row]")).map((row, index) => {
    const item: Record<string, unknown> = {};
    for (const el of Array.from(row.querySelectorAll("input, select, textarea")) as Field[]) {
      if (!el.name || el.disabled) continue;
      el.dataset.path = `${name}.${index}.${el.name}`;
      const value = valueOf(el);
      if (value !== SKIP) setPath(item, el.name, value);
    }
    return item;
  });
}

/**
 * The JSON body of a form, or `undefined` for a form without fields. Checkboxes are booleans,
 * `data-type="number"` fields numbers, `data-type="list"` fields arrays (split at commas and
 * spaces), checked `data-list` boxes of one name an array of their values, a checked radio its value, and each `[data-array]` block an array of
 * its rows; empty optional fields are left out (a write-only secret left empty is kept); a
 * checked `data-clears` box sends `null` for its field.
 * @example formBody(form) // { thresholds: { cpu: 75 } }
 */
export function formBody(form: HTMLFormElement): Record<string, unknown> | undefined {
  if (form.dataset.body) {
    const parsed: unknown = JSON.parse(form.dataset.body);
    return isRecord(parsed) ? parsed : undefined;
  }
  const out: Record<string, unknown> = {};
  const lists: Record<string, string[]> = {};
  let any = false;
  for (const el of Array.from(form.elements) as Field[]) {
    if (!("name" in el) || el.disabled || el.tagName === "BUTTON") continue;
    if (el.closest("[data-array]")) continue; // read with its row below
    if (el instanceof HTMLInputElement && el.type === "checkbox" && el.dataset.clears) {
      if (el.checked) setPath(out, el.dataset.clears, null);
      any = true;
      continue;
    }
    if (!el.name) continue;
    any = true;
    el.dataset.path = el.name;
    if (el instanceof HTMLInputElement && el.type === "checkbox" && el.hasAttribute("data-list")) {
      const list = (lists[el.name] ??= []);
      if (el.checked) list.push(el.value);
      continue;
    }
    const value = valueOf(el);
    if (value !== SKIP) setPath(out, el.name, value);
  }
  for (const [name, values] of Object.entries(lists)) setPath(out, name, values);
  for (const box of form.querySelectorAll<HTMLElement>("[data-array]")) {
    setPath(out, box.dataset.array!, rowsOf(box));
    any = true;
  }
  return any ? out : undefined;
}

/** What a problem+json answer says, as one sentence with its field issues. */
export function problemText(status: number, body: unknown): string {
  if (!isRecord(body)) return `The server answered ${status}.`;
  const detail = typeof body.detail === "string" ? body.detail : `The server answered ${status}.`;
  if (status === 404 && typeof body.detail === "string" && body.detail.startsWith("No route"))
    return `This server does not offer that action yet (${body.detail})`;
  const issues = Array.isArray(body.issues)
    ? body.issues
        .filter(isRecord)
        .map((i) => `${String(i.path)}: ${String(i.message)}`)
        .filter((text) => !detail.includes(text))
    : [];
  return issues.length > 0 ? `${detail} (${issues.join("; ")})` : detail;
}

/** A problem's field issues, paths as the form names them (`json.cards.1.query` → `cards.1.query`). */
function issuesOf(body: unknown): { path: string; message: string }[] {
  if (!isRecord(body) || !Array.isArray(body.issues)) return [];
  return body.issues
    .filter(isRecord)
    .map((i) => ({ path: String(i.path).replace(/^json\./, ""), message: String(i.message) }));
}

/** Sends one action form to the API. */
export async function submitAction(form: HTMLFormElement): Promise<ActionResult> {
  const url = form.dataset.api!;
  const method = form.dataset.method ?? "POST";
  let body: Record<string, unknown> | undefined;
  try {
    body = formBody(form);
  } catch {
    return { ok: false, text: "The form could not be read." };
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    return { ok: false, text: "The server could not be reached; nothing was changed." };
  }
  let answer: unknown;
  try {
    answer = await res.json();
  } catch {
    answer = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) return { ok: false, text: "Your session has ended: sign in again." };
    return { ok: false, text: problemText(res.status, answer), issues: issuesOf(answer) };
  }
  const show = form.dataset.show;
  const value = show && isRecord(answer) ? answer[show] : undefined;
  return {
    ok: true,
    text: form.dataset.done ?? "Done.",
    value: typeof value === "string" ? value : undefined,
    body: answer,
  };
}
