/**
 * Action forms: the page's mutations (acknowledge, rollback, settings…) are forms with
 * `data-api`; their named fields become a JSON body, the answer is reported in place.
 */

export type ActionResult = { ok: boolean; text: string; value?: string; body?: unknown };

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

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * The JSON body of a form, or `undefined` for a form without fields. Checkboxes are booleans,
 * `data-type="number"` fields numbers, `data-type="list"` fields arrays (split at commas and
 * spaces), and checked `data-list` boxes of one name an array of their values; empty optional
 * fields are left out (a write-only secret left empty is kept); a checked `data-clears` box
 * sends `null` for its field.
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
    if (el instanceof HTMLInputElement && el.type === "checkbox" && el.dataset.clears) {
      if (el.checked) setPath(out, el.dataset.clears, null);
      any = true;
      continue;
    }
    if (!el.name) continue;
    any = true;
    if (el instanceof HTMLInputElement && el.type === "checkbox" && el.hasAttribute("data-list")) {
      const list = (lists[el.name] ??= []);
      if (el.checked) list.push(el.value);
      continue;
    }
    let value: unknown;
    if (el instanceof HTMLInputElement && el.type === "checkbox") value = el.checked;
    else if (el.value === "" && !el.required) continue;
    else if (el.dataset.type === "number") value = Number(el.value);
    else if (el.dataset.type === "list") value = el.value.split(/[\s,]+/).filter(Boolean);
    else value = el.value;
    setPath(out, el.name, value);
  }
  for (const [name, values] of Object.entries(lists)) setPath(out, name, values);
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
    return { ok: false, text: problemText(res.status, answer) };
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
