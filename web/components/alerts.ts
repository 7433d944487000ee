import type { Alert, Role } from "../../schema";
import { html } from "../html";
import { AnomalyLine } from "./anomaly";
import { Age, Badge, ExternalLink, clip } from "./common";
import { EmptyFor } from "./empty-state";
import { Menu, RowNote } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";
import { Who } from "./actor";

const ALERT_FEEDS = ["alertmanager", "grafana", "pagerduty"] as const;

/** Alert menu: Acknowledge (with notes), View Details, Create Incident, Dismiss. */
export function alertMenu(a: Alert, workspace: string, role: Role | undefined) {
  const p = paths(workspace);
  const operator = can(role, "operator");
  const open = a.status !== "resolved";
  return html`<${Menu}
    label=${`Actions for alert ${a.title}`}
    items=${[
      operator &&
        open &&
        !a.acknowledged && {
          kind: "link",
          label: "Acknowledge…",
          href: `${p.alert(a.id)}#acknowledge`,
          modal: true,
        },
      { kind: "link", label: "View Details", href: p.alert(a.id), modal: true },
      operator &&
        !a.incidentId && {
          kind: "link",
          label: "Create Incident…",
          href: `${p.alert(a.id)}#create-incident`,
          modal: true,
        },
      operator && {
        kind: "action",
        label: "Dismiss",
        url: p.api(`alerts/${encodeURIComponent(a.id)}`),
        method: "DELETE",
        done: "Alert dismissed.",
        confirm: "Press again to dismiss",
        danger: true,
        note: `alert:${a.id}`,
      },
    ]}
  />`;
}

export function AlertsBody({ snapshot, now, role, notes }: PanelProps) {
  const ws = snapshot.workspace.id;
  if (snapshot.alerts.length === 0) {
    return html`<${EmptyFor}
      noun="alerts"
      feeds=${[...ALERT_FEEDS]}
      sources=${snapshot.sources}
      workspace=${ws}
      role=${role}
    />`;
  }
  return html`<ul class="rows" tabindex="0">
    ${snapshot.alerts.map(
      (a) =>
        html`<li class="row" key=${a.id} data-id=${a.id} data-status=${a.status}>
          <div class="row-head">
            <${Badge} status=${a.severity} />
            <a class="title" href=${paths(ws).alert(a.id)} data-modal="">${a.title}</a>
            <span class="state">${a.status}${a.count > 1 ? ` ×${a.count}` : ""}</span>
            ${alertMenu(a, ws, role)}
          </div>
          ${a.message ? html`<p class="text">${clip(a.message, 200)}</p>` : null}
          ${a.source === "anomaly" ? html`<${AnomalyLine} alert=${a} />` : null}
          <small class="meta">
            ${a.source} · last seen <${Age} at=${a.lastSeen} now=${now} />
            ${
              a.acknowledgedBy
                ? html` · acknowledged by${" "}<${Who}
                      workspace=${ws}
                      actor=${a.acknowledgedByActor}
                      name=${a.acknowledgedBy}
                    />`
                : ""
            }
          </small>
          ${
            a.links.length > 0 || a.runbook
              ? html`<div class="links">
                  ${a.links.map((l) => html`<${ExternalLink} href=${l.href}>${l.text}<//>`)}
                  ${a.runbook ? html`<${ExternalLink} href=${a.runbook}>runbook<//>` : null}
                </div>`
              : null
          }
          <${RowNote} notes=${notes} id=${`alert:${a.id}`} />
        </li>`,
    )}
  </ul>`;
}
