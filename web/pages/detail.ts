import type { ComponentChildren } from "preact";
import type { Principal } from "../../schema";
import { paths } from "../components/paths";
import type { Theme } from "../components/topbar";
import { html } from "../html";
import { Layout } from "../layout";

/**
 * The full-page frame of a detail view (metric, alert, deployment…). The client shows the
 * same content in a dialog on the overview; without script it is this page.
 */
export function DetailPage(props: {
  title: string;
  workspace: string;
  principal: Principal;
  theme?: Theme;
  /** Page-specific bundles after the shared client (the members and profile pages). */
  scripts?: string[];
  children: ComponentChildren;
}) {
  const p = paths(props.workspace);
  return html`<${Layout}
    title=${`${props.title} · Opsdeck`}
    scripts=${["/assets/live.js", ...(props.scripts ?? [])]}
    theme=${props.theme}
    role=${props.principal.role}
  >
    <header class="topbar">
      <div class="brand">
        <a href=${p.base}>Opsdeck</a>
        <span class="meta">${props.workspace}</span>
      </div>
      <div class="top-actions">
        <a class="button" href=${p.base}>← Overview</a>
        <a href=${`${p.base}/me`}>Profile</a>
        <span class="meta">${props.principal.name} (${props.principal.role})</span>
      </div>
    </header>
    <main class="detail" id="app">${props.children}</main>
  <//>`;
}

/** What a detail page says when its record is gone or its source failed. */
export function ProblemView(props: { status: number; detail: string; workspace: string }) {
  return html`<article>
    <div class="detail-head">
      <h2 id="detail-title">${props.status === 404 ? "Not found" : "Not available"}</h2>
    </div>
    <p class="error">${props.detail}</p>
    <p><a href=${paths(props.workspace).base}>Back to the overview</a></p>
  </article>`;
}

/** Label/value pairs; empty values are left out rather than printed as "undefined". */
export function Facts(props: { rows: Array<[string, ComponentChildren] | false | undefined> }) {
  const rows = props.rows.filter(
    (r): r is [string, ComponentChildren] => !!r && r[1] !== undefined && r[1] !== "",
  );
  return html`<dl class="facts">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}
