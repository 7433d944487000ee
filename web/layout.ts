import type { ComponentChildren } from "preact";
import { html } from "./html";

/**
 * The page shell. Scripts are external modules only: the CSP allows no inline script.
 * The referrer policy is `same-origin` because under the header's `no-referrer` browsers send
 * `Origin: null` on same-origin form posts and fetches, and the CSRF checks refuse those.
 */
export function Layout(props: { title: string; children: ComponentChildren; scripts?: string[] }) {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>${props.title}</title>
      <link rel="stylesheet" href="/app.css" />
      <link rel="icon" href="data:," />
      ${(props.scripts ?? []).map((src) => html`<script type="module" src=${src}></script>`)}
    </head>
    <body>
      ${props.children}
    </body>
  </html>`;
}
