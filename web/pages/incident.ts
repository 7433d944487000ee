import type { IncidentDetail, Role } from "../../schema";
import { Age, Badge } from "../components/common";
import { ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { html } from "../html";
import { Facts } from "./detail";
import { Who } from "../components/actor";

const STATUSES = ["investigating", "identified", "monitoring", "resolved"] as const;

export function IncidentDetailView(props: {
  workspace: string;
  detail: IncidentDetail;
  role: Role;
  now: number;
}) {
  const { incident: i, alerts } = props.detail;
  const p = paths(props.workspace);
  return html`<article data-incident=${i.id}>
    <div class="detail-head">
      <${Badge} status=${i.severity} />
      <h2 id="detail-title">${i.title}</h2>
      <${Badge} status=${i.status} />
    </div>
    ${i.description ? html`<p class="text">${i.description}</p>` : null}
    <${Facts}
      rows=${[
        [
          "Opened",
          html`<${Age} at=${i.createdAt} now=${props.now} /> by${" "}<${Who}
              workspace=${props.workspace}
              actor=${i.createdByActor}
              name=${i.createdBy}
            />`,
        ],
        ["Updated", html`<${Age} at=${i.updatedAt} now=${props.now} />`],
        i.resolvedAt && ["Resolved", html`<${Age} at=${i.resolvedAt} now=${props.now} />`],
      ]}
    />
    <h3>Alerts</h3>
    ${
      alerts.length === 0
        ? html`<p class="meta">The alerts of this incident are no longer stored.</p>`
        : html`<ul class="rows">
            ${alerts.map(
              (a) =>
                html`<li class="row">
                  <${Badge} status=${a.severity} />
                  <a href=${p.alert(a.id)} data-modal=""> ${a.title}</a>
                  <span class="meta"> ${a.status}</span>
                </li>`,
            )}
          </ul>`
    }
    <h3>Timeline</h3>
    <ol class="rows">
      ${[...i.timeline].reverse().map(
        (u) =>
          html`<li class="row">
            <div class="row-head">
              <${Badge} status=${u.status} /><span class="meta"
                ><${Who}
                  workspace=${props.workspace}
                  actor=${u.actor}
                  name=${u.by} />${" "}·${" "}<${Age} at=${u.at} now=${props.now}
              /></span>
            </div>
            ${u.message ? html`<p class="text">${u.message}</p>` : null}
          </li>`,
      )}
    </ol>
    ${
      can(props.role, "operator")
        ? html`<section id="update">
            <h3>Post an update</h3>
            <${ActionForm}
              url=${p.api(`incidents/${encodeURIComponent(i.id)}/updates`)}
              done="Update posted."
              submit="Post update"
              after="modal"
            >
              <div class="field">
                <label for="upd-status">Status</label>
                <select id="upd-status" name="status">
                  ${STATUSES.map((s) => html`<option value=${s} selected=${s === i.status}>${s}</option>`)}
                </select>
              </div>
              <div class="field">
                <label for="upd-message">Message</label>
                <textarea id="upd-message" name="message" maxlength="10000"></textarea>
              </div>
            <//>
          </section>`
        : null
    }
  </article>`;
}
