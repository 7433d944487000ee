import { html } from "../html";
import { Age, Badge, Empty } from "./common";
import type { PanelProps } from "./types";

export function IncidentsBody({ snapshot, now }: PanelProps) {
  if (snapshot.incidents.length === 0) {
    return html`<${Empty}>No incidents have been opened (from an alert or by hand).<//>`;
  }
  return html`<ul class="rows">
    ${snapshot.incidents.map(
      (i) =>
        html`<li class="row" key=${i.id} data-id=${i.id} data-status=${i.status}>
          <div class="row-head">
            <${Badge} status=${i.severity} />
            <strong class="title">${i.title}</strong>
            <span class="state">${i.status}</span>
          </div>
          <small class="meta">
            opened <${Age} at=${i.createdAt} now=${now} /> by ${i.createdBy} · updated ${" "}<${Age}
              at=${i.updatedAt}
              now=${now}
            />
          </small>
        </li>`,
    )}
  </ul>`;
}
