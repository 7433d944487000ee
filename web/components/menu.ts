import type { ComponentChildren } from "preact";
import { html } from "../html";

type Method = "POST" | "PUT" | "PATCH" | "DELETE";

/** One entry of a menu; `false`/`null` entries (actions the role may not take) are skipped. */
export type MenuEntry =
  | {
      kind: "link";
      label: string;
      href: string;
      /** Open the page in a dialog when script runs; without script it is a plain page. */
      modal?: boolean;
      download?: boolean;
      external?: boolean;
      /** A client behaviour for the link (`fullscreen`, `chart-range`); the href is the fallback. */
      action?: string;
    }
  | {
      kind: "action";
      label: string;
      url: string;
      method?: Method;
      /** What the in-place result says on success. */
      done: string;
      /** Ask a second press first (destructive or expensive actions). */
      confirm?: string;
      danger?: boolean;
      /** A JSON body sent as is. */
      body?: string;
      /** Where the row's result note goes (`alert:<id>`): kept across live redraws. */
      note?: string;
    }
  | { kind: "sep" }
  | { kind: "custom"; children: ComponentChildren }
  | false
  | null
  | undefined;

/**
 * A keyboard-usable menu: a `<details>` disclosure (Enter/Space on the summary opens it, Tab
 * walks the entries, the client adds Escape and outside-click closing). Links work without
 * script; actions are hidden until the client runs.
 */
export function Menu(props: { label: string; items: MenuEntry[]; icon?: string; class?: string }) {
  const items = props.items.filter((i): i is Exclude<MenuEntry, false | null | undefined> => !!i);
  if (items.length === 0) return null;
  return html`<details class=${props.class ? `menu ${props.class}` : "menu"}>
    <summary aria-label=${props.label} title=${props.label}>
      <span aria-hidden="true">${props.icon ?? "⋯"}</span>
    </summary>
    <ul class="menu-list">
      ${items.map((item) => html`<li class=${itemClass(item)}>${MenuItem(item)}</li>`)}
    </ul>
  </details>`;
}

function itemClass(item: Exclude<MenuEntry, false | null | undefined>): string | undefined {
  if (item.kind === "sep") return "sep";
  if (item.kind === "action") return "needs-js";
  return undefined;
}

function MenuItem(item: Exclude<MenuEntry, false | null | undefined>) {
  switch (item.kind) {
    case "sep":
      return null;
    case "custom":
      return item.children;
    case "link":
      return html`<a
        href=${item.href}
        data-modal=${item.modal ? "" : undefined}
        download=${item.download ? "" : undefined}
        data-action=${item.action}
        target=${item.external ? "_blank" : undefined}
        rel=${item.external ? "noopener noreferrer" : undefined}
        >${item.label}</a
      >`;
    case "action":
      return html`<${ActionButton} ...${item} />`;
  }
}

/** A one-button action: the client sends it to the API and reports the result in place. */
export function ActionButton(props: {
  label: string;
  url: string;
  method?: Method;
  done: string;
  confirm?: string;
  danger?: boolean;
  body?: string;
  note?: string;
  after?: "modal" | "reload";
  class?: string;
}) {
  return html`<form
    class=${`action needs-js ${props.class ?? ""}`}
    data-api=${props.url}
    data-method=${props.method ?? "POST"}
    data-done=${props.done}
    data-confirm=${props.confirm}
    data-body=${props.body}
    data-note=${props.note}
    data-after=${props.after}
  >
    <button type="submit" class=${props.danger ? "danger" : undefined}>${props.label}</button>
    <output class="result" role="status"></output>
  </form>`;
}

/**
 * A form whose named fields become a JSON body (`a.b` names nest, `data-type="number"` and
 * checkboxes convert, empty optional fields are left out so write-only secrets are kept).
 */
export function ActionForm(props: {
  url: string;
  method?: Method;
  done: string;
  submit: string;
  danger?: boolean;
  after?: "modal" | "reload";
  id?: string;
  /** Response fields to show after success, e.g. a credential shown only once. */
  show?: string;
  children: ComponentChildren;
}) {
  return html`<form
    class="form action needs-js"
    id=${props.id}
    data-api=${props.url}
    data-method=${props.method ?? "POST"}
    data-done=${props.done}
    data-after=${props.after}
    data-show=${props.show}
  >
    ${props.children}
    <div class="inline">
      <button type="submit" class=${props.danger ? "danger" : "primary"}>${props.submit}</button>
    </div>
    <output class="result" role="status"></output>
  </form>`;
}

/** The result of an action on a row, drawn by the panel so live redraws keep it. */
export type RowNotes = Record<string, { ok: boolean; text: string }>;

export function RowNote(props: { notes: RowNotes | undefined; id: string }) {
  const note = props.notes?.[props.id];
  if (!note) return null;
  return html`<p class="row-note" data-ok=${String(note.ok)} role="status">${note.text}</p>`;
}
