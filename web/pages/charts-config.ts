import type { Metric } from "../../schema";
import { MAX_CHARTS } from "../components/charts-panel";
import { paths } from "../components/paths";
import { html } from "../html";

/** Chart menu → Configure: which metrics the overview charts (a cookie, per browser). */
export function ChartsConfigView(props: {
  workspace: string;
  metrics: Metric[];
  chosen: string[];
}) {
  const p = paths(props.workspace);
  return html`<article>
    <div class="detail-head"><h2 id="detail-title">Configure charts</h2></div>
    <p class="meta">
      Pick up to ${MAX_CHARTS} metrics to chart on the overview. The choice is kept in this browser.
    </p>
    ${
      props.metrics.length === 0
        ? html`<p class="empty">No metric exists yet.</p>`
        : html`<form class="form" method="post" action=${p.chartsConfigure}>
            <fieldset>
              <legend>Metrics</legend>
              ${props.metrics.map(
                (m) =>
                  html`<div class="inline">
                    <input
                      type="checkbox"
                      id=${`cfg-${m.id}`}
                      name="metric"
                      value=${m.id}
                      checked=${props.chosen.includes(m.id)}
                    />
                    <label for=${`cfg-${m.id}`}>${m.label}</label>
                  </div>`,
              )}
            </fieldset>
            <div class="inline"><button class="primary" type="submit">Save</button></div>
          </form>`
    }
  </article>`;
}
