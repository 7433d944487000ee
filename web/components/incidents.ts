import { html } from "../html";
import { Age, Badge, Empty } from "./common";
import { Menu, RowNote } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";
import { Who } from "./actor";

export function IncidentsBody({ snapshot, now, role, notes }: PanelProps) {
  if (snapshot.incidents.length === 0) {
    return html`<${Empty}>No incidents have been opened (from an alert or by hand).<//>`;
  }
  const p = paths(snapshot.workspace.id);
  const operator = can(role, "operator");
  return html`<ul class="rows" tabindex="0">
    ${snapshot.incidents.map(
      (i) =>
        html`<li class="row" key=${i.id} data-id=${i.id} data-status=${i.status}>
          <div class="row-head">
            <${Badge} status=${i.severity} />
            <a class="title" href=${p.incident(i.id)} data-modal="">${i.title}</a>
            <${Badge} status=${i.status} />
            <${Menu}
              label=${`Actions for incident ${i.title}`}
              items=${[
                { kind: "link", label: "View Details", href: p.incident(i.id), modal: true },
                operator && {
                  kind: "link",
                  label: "Post Update…",
                  href: `${p.incident(i.id)}#update`,
                  modal: true,
                },
                operator &&
                  i.status !== "resolved" && {
                    kind: "action",
                    label: "Resolve",
                    url: p.api(`incidents/${encodeURIComponent(i.id)}/updates`),
                    body: JSON.stringify({ status: "resolved", message: "Resolved." }),
                    done: "Incident resolved.",
                    note: `incident:${i.id}`,
                  },
              ]}
            />
          </div>
          <small class="meta">
            opened <${Age} at=${i.createdAt} now=${now} /> by${" "}<${Who}
              workspace=${snapshot.workspace.id}
              actor=${i.createdByActor}
              name=${i.createdBy}
            />${" "}· updated${" "}<${Age} at=${i.updatedAt} now=${now} />
          </small>
          <${RowNote} notes=${notes} id=${`incident:${i.id}`} />
        </li>`,
    )}
  </ul>`;
}
