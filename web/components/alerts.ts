import { html } from "../html";
import { Age, Badge, Empty, ExternalLink, clip } from "./common";
import { emptyMessage } from "./empty-state";
import type { PanelProps } from "./types";

const ALERT_FEEDS = ["alertmanager", "grafana", "pagerduty"] as const;

export function AlertsBody({ snapshot, now }: PanelProps) {
  if (snapshot.alerts.length === 0) {
    return html`<${Empty}>${emptyMessage("alerts", [...ALERT_FEEDS], snapshot.sources)}<//>`;
  }
  return html`<ul class="rows">
    ${snapshot.alerts.map(
      (a) =>
        html`<li class="row" key=${a.id} data-id=${a.id} data-status=${a.status}>
          <div class="row-head">
            <${Badge} status=${a.severity} />
            <strong class="title">${a.title}</strong>
            <span class="state">${a.status}${a.count > 1 ? ` ×${a.count}` : ""}</span>
          </div>
          ${a.message ? html`<p class="text">${clip(a.message, 280)}</p>` : null}
          <small class="meta">
            ${a.source} · last seen <${Age} at=${a.lastSeen} now=${now} />
            ${a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy}` : ""}
          </small>
          ${
            a.links.length > 0 || a.runbook
              ? html`<div class="links">
                  ${a.links.map((l) => html`<${ExternalLink} href=${l.href}>${l.text}<//>`)}
                  ${a.runbook ? html`<${ExternalLink} href=${a.runbook}>runbook<//>` : null}
                </div>`
              : null
          }
        </li>`,
    )}
  </ul>`;
}
