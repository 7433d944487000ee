/**
 * Repeated rows in a form (Prometheus cards, a series' expected windows) and the problem
 * issues shown on the field they name. A `[data-array]` block holds its rows (`[data-row]`)
 * and a `<template>` of an empty row; `data-action="row-add"` / `"row-remove"` buttons add
 * one (ids made unique) or remove the one they sit in.
 */

let added = 0;

/** Handles a row button; false when `el` is not one. */
export function rowAction(el: HTMLElement, action: string | undefined): boolean {
  if (action === "row-remove") {
    const row = el.closest("[data-row]");
    const box = el.closest<HTMLElement>("[data-array]");
    row?.remove();
    box?.querySelector<HTMLElement>("[data-action=row-add]")?.focus();
    return true;
  }
  if (action !== "row-add") return false;
  const box = el.closest<HTMLElement>("[data-array]");
  const template = box?.querySelector("template");
  const rows = box?.querySelector("[data-rows]");
  if (!box || !template || !rows) return true;
  const max = Number(box.dataset.max ?? Infinity);
  if (rows.querySelectorAll("[data-row]").length >= max) return true;
  // Ids and label targets carry `__i__` in the template: each added row gets its own.
  const key = `n${++added}`;
  const html = template.innerHTML.replaceAll("__i__", key);
  rows.insertAdjacentHTML("beforeend", html);
  rows
    .querySelector<HTMLElement>("[data-row]:last-child input, [data-row]:last-child select")
    ?.focus();
  return true;
}

/**
 * Marks the fields a failed answer's issues name (by the `data-path` formBody gave them) and
 * writes each message under its field; the first one gets the focus. Clears earlier marks.
 */
export function showIssues(form: HTMLFormElement, issues: { path: string; message: string }[]) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-errormessage");
  }
  let first: HTMLElement | undefined;
  for (const [n, issue] of issues.entries()) {
    const fields = Array.from(form.querySelectorAll<HTMLElement>("[data-path]"));
    // Else the field holding the named key (`roleMapping.values.ops` → the values' textarea).
    const field =
      fields.find((el) => el.dataset.path === issue.path) ??
      fields.find((el) => issue.path.startsWith(`${el.dataset.path}.`));
    if (!field) continue;
    const id = `${form.id || "form"}-issue-${n}`;
    const note = document.createElement("small");
    note.className = "field-error error";
    note.id = id;
    note.textContent = issue.message;
    field.after(note);
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-errormessage", id);
    first ??= field;
  }
  first?.focus();
}
