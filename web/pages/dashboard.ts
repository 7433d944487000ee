import { h } from "preact";
import type { Principal, Snapshot } from "../../schema";
import { ConnectionBadge } from "../components/connection";
import { PANELS, PanelContent } from "../components/panels";
import { html } from "../html";
import { Layout } from "../layout";
import { embedJson } from "../render";

/** Where the live client finds its starting state; read by web/client/live.ts. */
export const SNAPSHOT_ISLAND_ID = "snapshot";

/**
 * The live workspace view. Everything is rendered on the server, so it reads without
 * JavaScript; the client then re-renders single panels from socket frames.
 */
export function DashboardPage(props: { snapshot: Snapshot; principal: Principal; now: number }) {
  const { snapshot, principal, now } = props;
  const ws = snapshot.workspace.id;
  return html`<${Layout}
    title=${`${snapshot.workspace.name} · Opsdeck`}
    scripts=${["/assets/live.js"]}
  >
    <header class="top">
      <h1>${snapshot.workspace.name}</h1>
      <div id="connection" aria-live="polite">${h(ConnectionBadge, { state: "static" })}</div>
      <span class="who">${principal.name} (${principal.role})</span>
      <form method="post" action=${`/w/${ws}/logout`} class="logout">
        <button type="submit">Sign out</button>
      </form>
    </header>
    <noscript
      ><p class="notice">Live updates need JavaScript: reload the page to refresh.</p></noscript
    >
    <div id="notice" class="notice" role="status" hidden></div>
    <section id="panel-sources" class="panel sources" aria-labelledby="h-sources">
      ${h(PanelContent, { panel: "sources", snapshot, now })}
    </section>
    <main id="app" class="grid" data-workspace=${ws}>
      ${PANELS.map(
        (p) =>
          html`<section id=${`panel-${p.key}`} class="panel" aria-labelledby=${`h-${p.key}`}>
            ${h(PanelContent, { panel: p.key, snapshot, now })}
          </section>`,
      )}
    </main>
    <script
      id=${SNAPSHOT_ISLAND_ID}
      type="application/json"
      dangerouslySetInnerHTML=${{ __html: embedJson(snapshot) }}
    ></script>
  <//>`;
}
