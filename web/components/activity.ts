import { html } from "../html";
import { Age, Badge, Empty, clip } from "./common";
import type { PanelProps } from "./types";

export function ActivityBody({ snapshot, now }: PanelProps) {
  if (snapshot.activity.length === 0) {
    return html`<${Empty}>No activity recorded yet.<//>`;
  }
  return html`<ol class="rows" tabindex="0">
    ${snapshot.activity.map(
      (a) =>
        html`<li class="row" key=${a.id} data-id=${a.id} data-type=${a.type}>
          <div class="row-head">
            <span class="kind">${a.type}</span>
            <strong class="title">${a.title}</strong>
            ${a.status ? html`<${Badge} status=${a.status} />` : null}
          </div>
          ${a.description ? html`<p class="text">${clip(a.description, 280)}</p>` : null}
          <small class="meta">
            ${a.user ? `${a.user} · ` : ""}<${Age} at=${a.timestamp} now=${now} />
          </small>
        </li>`,
    )}
  </ol>`;
}
