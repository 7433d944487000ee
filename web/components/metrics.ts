import { html } from "../html";
import { Age, Badge, Empty, TREND_ARROW } from "./common";
import { formatChange, formatValue } from "./format";
import type { PanelProps } from "./types";

export function MetricsBody({ snapshot, now }: PanelProps) {
  if (snapshot.metrics.length === 0) {
    return html`<${Empty}>
      No source has produced metrics yet. Push samples to <code>api/metrics/samples</code>.
    <//>`;
  }
  return html`<ul class="cards">
    ${snapshot.metrics.map(
      (m) =>
        html`<li class="card" key=${m.id} data-id=${m.id} data-status=${m.status}>
          <div class="card-head">
            <span class="label">${m.label}</span>
            <${Badge} status=${m.status} />
          </div>
          <div class="value">${formatValue(m.value, m.unit)}</div>
          <div class="change" data-trend=${m.trend} title=${`trend: ${m.trend}`}>
            ${TREND_ARROW[m.trend]} ${formatChange(m.change)}
          </div>
          <small class="meta"
            >${m.source} · <${Age} at=${m.updatedAt} now=${now} prefix="updated"
          /></small>
        </li>`,
    )}
  </ul>`;
}
