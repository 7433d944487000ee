import { h } from "preact";
import type { Principal, Snapshot, TimeRange } from "../../schema";
import { ChartsBody, type ChartSlot } from "../components/charts-panel";
import { PANELS, PanelContent, type PanelContentProps } from "../components/panels";
import type { PanelKey } from "../components/types";
import { FilterBar, TopBar, type Theme } from "../components/topbar";
import { Menu } from "../components/menu";
import { paths } from "../components/paths";
import { html } from "../html";
import { Layout } from "../layout";
import { embedJson } from "../render";

/** Where the live client finds its starting state; read by web/client/live.ts. */
export const SNAPSHOT_ISLAND_ID = "snapshot";

export type DashboardProps = {
  snapshot: Snapshot;
  principal: Principal;
  now: number;
  range?: TimeRange;
  charts?: ChartSlot[];
  theme?: Theme;
  seenAt?: number;
};

/**
 * The live workspace view. Everything is rendered on the server, so it reads without
 * JavaScript; the client then re-renders single panels from socket frames.
 */
export function DashboardPage(props: DashboardProps) {
  const { snapshot, principal, now } = props;
  const range = props.range ?? "1h";
  const ws = snapshot.workspace.id;
  const role = principal.role;
  const panel = { snapshot, now, role, range };
  const back = range === "1h" ? paths(ws).base : `${paths(ws).base}?range=${range}`;
  return html`<${Layout}
    title=${`${snapshot.workspace.name} · Opsdeck`}
    scripts=${["/assets/live.js"]}
    theme=${props.theme}
    role=${role}
  >
    <${TopBar}
      snapshot=${snapshot}
      principal=${principal}
      theme=${props.theme}
      seenAt=${props.seenAt}
      now=${now}
      back=${back}
    />
    <noscript
      ><p class="notice">
        Live updates and actions need JavaScript: reload the page to refresh.
      </p></noscript
    >
    <${FilterBar} workspace=${ws} range=${range} role=${role} />
    <div class="page">
      <section id="panel-sources" class="panel sources" aria-labelledby="h-sources">
        ${h(PanelContent, { panel: "sources", ...panel })}
      </section>
      <main id="app" class="grid" data-workspace=${ws} data-range=${range}>
        ${PANELS.slice(0, 1).map((p) => Section(p.key, panel))}
        <section id="panel-charts" class="panel" aria-labelledby="h-charts">
          <header class="panel-head">
            <h2 id="h-charts">Charts</h2>
            <span class="count">${props.charts?.length ?? 0}</span>
            <${Menu}
              label="Charts menu"
              items=${[
                {
                  kind: "link",
                  label: "Configure…",
                  href: paths(ws).chartsConfigure,
                  modal: true,
                },
              ]}
            />
          </header>
          <div id="charts-body">
            <${ChartsBody} slots=${props.charts ?? []} workspace=${ws} now=${now} role=${role} />
          </div>
        </section>
        ${PANELS.slice(1).map((p) => Section(p.key, panel))}
      </main>
    </div>
    <dialog id="modal" class="modal" aria-label="Details">
      <div class="modal-bar">
        <button type="button" data-action="close-modal" aria-label="Close">✕</button>
      </div>
      <div class="modal-body" id="modal-body"></div>
    </dialog>
    <script
      id=${SNAPSHOT_ISLAND_ID}
      type="application/json"
      dangerouslySetInnerHTML=${{ __html: embedJson(snapshot) }}
    ></script>
  <//>`;
}

function Section(key: PanelKey, panel: Omit<PanelContentProps, "panel">) {
  return html`<section id=${`panel-${key}`} class="panel" aria-labelledby=${`h-${key}`}>
    ${h(PanelContent, { panel: key, ...panel })}
  </section>`;
}
