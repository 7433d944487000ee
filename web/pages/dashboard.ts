import type { Principal, Snapshot } from "../../schema";
import { html } from "../html";
import { Layout } from "../layout";
import { embedJson } from "../render";

/** The live workspace view: server-rendered state plus the client that applies socket frames. */
export function DashboardPage(props: { snapshot: Snapshot; principal: Principal }) {
  const { snapshot, principal } = props;
  return html`<${Layout}
    title=${`${snapshot.workspace.name} · Opsdeck`}
    scripts=${["/assets/live.js"]}
  >
    <header class="top">
      <h1>${snapshot.workspace.name}</h1>
      <span class="who">${principal.name} (${principal.role})</span>
      <span id="connection" class="connection" data-state="connecting">connecting…</span>
    </header>
    <main id="app" data-workspace=${snapshot.workspace.id}>
      <section aria-labelledby="metrics-h">
        <h2 id="metrics-h">Metrics</h2>
        <ul id="metrics">
          ${
            snapshot.metrics.length === 0
              ? html`<li class="empty">No metrics yet: push samples to api/metrics/samples.</li>`
              : snapshot.metrics.map(
                  (m) =>
                    html`<li data-id=${m.id} data-status=${m.status}>
                      <span class="label">${m.label}</span>
                      <span class="value">${String(m.value)}${m.unit ?? ""}</span>
                      <span class="change">${m.change}%</span>
                      <small>${m.source}, ${m.updatedAt}</small>
                    </li>`,
                )
          }
        </ul>
      </section>
      <section aria-labelledby="sources-h">
        <h2 id="sources-h">Sources</h2>
        <ul id="sources">
          ${snapshot.sources.map(
            (s) =>
              html`<li data-id=${s.id} data-status=${s.status}>
                ${s.id}: ${s.status.replace("_", " ")}
              </li>`,
          )}
        </ul>
      </section>
    </main>
    <script
      id="snapshot"
      type="application/json"
      dangerouslySetInnerHTML=${{ __html: embedJson(snapshot) }}
    ></script>
  <//>`;
}
