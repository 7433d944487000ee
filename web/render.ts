import type { VNode } from "preact";
import { render } from "preact-render-to-string";

/** A whole HTML document from a page vnode. */
export function renderPage(page: VNode): string {
  return `<!doctype html>${render(page)}`;
}

/**
 * JSON for a `<script type="application/json">` island: `<`, U+2028 and U+2029 are escaped so
 * no value can close the script element or break parsing.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}
