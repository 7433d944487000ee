import type { ComponentChildren } from "preact";
import { html } from "./html";

export function Layout(props: { title: string; children: ComponentChildren; scripts?: string[] }) {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${props.title}</title>
      <link rel="stylesheet" href="/assets/app.css" />
      ${(props.scripts ?? []).map((src) => html`<script type="module" src=${src}></script>`)}
    </head>
    <body>
      ${props.children}
    </body>
  </html>`;
}
