import type { ComponentChildren } from "preact";
import { html } from "./html";
import type { Theme } from "./components/topbar";

/**
 * The page shell. Scripts are external modules only: the CSP allows no inline script.
 * The theme is chosen on the server (cookie), so the first paint is already in the right
 * colours; without a choice the stylesheet follows the system preference.
 * The referrer policy is `same-origin` because under the header's `no-referrer` browsers send
 * `Origin: null` on same-origin form posts and fetches, and the CSRF checks refuse those.
 */
export function Layout(props: {
  title: string;
  children: ComponentChildren;
  scripts?: string[];
  theme?: Theme;
  role?: string;
}) {
  return html`<html lang="en" data-theme=${props.theme}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <meta name="color-scheme" content="light dark" />
      <title>${props.title}</title>
      <link rel="stylesheet" href="/app.css" />
      <link rel="icon" href="data:," />
      ${(props.scripts ?? []).map((src) => html`<script type="module" src=${src}></script>`)}
    </head>
    <body data-role=${props.role}>
      ${props.children}
      <div id="toasts" class="toasts" role="status" aria-live="polite"></div>
    </body>
  </html>`;
}
