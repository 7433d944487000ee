import type { AlertDetail, Role } from "../../schema";
import { Age, Badge, ExternalLink } from "../components/common";
import { shortCommit } from "../components/format";
import { ActionButton, ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { FeedbackForm } from "../components/anomalies-panel";
import { html } from "../html";
import { Facts } from "./detail";
import { Who } from "../components/actor";

const SEVERITIES = ["info", "warning", "error", "critical"] as const;

function Pairs(props: { title: string; values: Record<string, string> }) {
  const entries = Object.entries(props.values);
  if (entries.length === 0) return null;
  return html`<h3>${props.title}</h3>
    <div class="scroll">
      <table>
        <tbody>
          ${entries.map(
            ([k, v]) =>
              html`<tr>
                <th scope="row"><code>${k}</code></th>
                <td>${v}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

/** Alert → View Details: the full alert, its notes, correlated changes and the actions. */
export function AlertDetailView(props: {
  workspace: string;
  detail: AlertDetail;
  role: Role;
  now: number;
}) {
  const { alert: a, correlated } = props.detail;
  const p = paths(props.workspace);
  const api = (verb: string) => p.api(`alerts/${encodeURIComponent(a.id)}${verb}`);
  const operator = can(props.role, "operator");
  const open = a.status !== "resolved" && !a.dismissedAt;
  return html`<article data-alert=${a.id}>
    <div class="detail-head">
      <${Badge} status=${a.severity} />
      <h2 id="detail-title">${a.title}</h2>
      <${Badge} status=${a.status} />
    </div>
    ${a.message ? html`<p class="text">${a.message}</p>` : null}
    <${Facts}
      rows=${[
        ["Source", a.source],
        ["First seen", html`<${Age} at=${a.firstSeen} now=${props.now} />`],
        ["Last seen", html`<${Age} at=${a.lastSeen} now=${props.now} />`],
        a.count > 1 && ["Occurrences", String(a.count)],
        a.acknowledgedBy && [
          "Acknowledged",
          html`by${" "}<${Who}
              workspace=${props.workspace}
              actor=${a.acknowledgedByActor}
              name=${a.acknowledgedBy}
            />${" "}<${Age} at=${a.acknowledgedAt} now=${props.now} />`,
        ],
        a.resolvedAt && [
          "Resolved",
          html`<${Age} at=${a.resolvedAt} now=${props.now} />${
              a.resolvedBy
                ? html` by${" "}<${Who}
                      workspace=${props.workspace}
                      actor=${a.resolvedByActor}
                      name=${a.resolvedBy}
                    />`
                : ""
            }`,
        ],
        a.incidentId && [
          "Incident",
          html`<a href=${p.incident(a.incidentId)} data-modal="">${a.incidentId}</a>`,
        ],
        a.fingerprint && ["Fingerprint", html`<code>${a.fingerprint}</code>`],
        a.group && ["Group", a.group],
        a.silencedBy?.length && ["Silenced by", a.silencedBy.join(", ")],
        // The sender's labels or annotations were cut to fit the size budgets.
        a.truncated?.length && [
          "Cut to fit",
          a.truncated
            .map(
              (t) =>
                `${t.field} (${t.bytes} bytes${t.droppedKeys ? `, ${t.droppedKeys} keys dropped` : ""})`,
            )
            .join(", "),
        ],
      ]}
    />
    ${
      a.links.length > 0 || a.runbook
        ? html`<div class="links">
            ${a.links.map((l) => html`<${ExternalLink} href=${l.href}>${l.text}<//>`)}
            ${a.runbook ? html`<${ExternalLink} href=${a.runbook}>runbook<//>` : null}
          </div>`
        : null
    }
    ${
      a.source === "anomaly" && operator
        ? html`<h3>Feedback</h3>
            <${FeedbackForm} card=${{ id: a.id, label: a.title }} workspace=${props.workspace} />`
        : null
    }
    <${Pairs} title="Labels" values=${a.labels} />
    <${Pairs} title="Annotations" values=${a.annotations} />
    <h3>Notes</h3>
    ${
      a.notes.length === 0
        ? html`<p class="meta">No notes yet.</p>`
        : html`<ul class="rows">
            ${a.notes.map(
              (n) =>
                html`<li class="row">
                  <p class="text">${n.text}</p>
                  <small class="meta"
                    ><${Who}
                      workspace=${props.workspace}
                      actor=${n.actor}
                      name=${n.by} />${" "}·${" "}<${Age} at=${n.at} now=${props.now}
                  /></small>
                </li>`,
            )}
          </ul>`
    }
    ${
      correlated.deployments.length + correlated.pipelines.length > 0
        ? html`<h3>
              Changes shortly before (${correlated.windowMinutes} min, matched on
              ${correlated.matchedOn.join(", ")})
            </h3>
            <ul class="rows">
              ${correlated.deployments.map(
                (d) =>
                  html`<li class="row">
                    <a href=${p.deployment(d.id)} data-modal="">${d.name}</a>
                    <span class="meta">
                      deployed <code>${shortCommit(d.commit)}</code> to ${d.environment}
                      <${Age} at=${d.timestamp} now=${props.now}
                    /></span>
                  </li>`,
              )}
              ${correlated.pipelines.map(
                (r) =>
                  html`<li class="row">
                    <a href=${p.pipeline(r.id)} data-modal="">${r.name}</a>
                    <span class="meta"> ${r.status} on ${r.branch}</span>
                  </li>`,
              )}
            </ul>`
        : null
    }
    ${
      operator && open
        ? html`<section id="acknowledge">
              <h3>${a.acknowledged ? "Add a note" : "Acknowledge"}</h3>
              <${ActionForm}
                url=${api("/acknowledge")}
                done=${a.acknowledged ? "Note added." : "Alert acknowledged."}
                submit=${a.acknowledged ? "Add note" : "Acknowledge"}
                after="modal"
              >
                <div class="field">
                  <label for="ack-notes">Notes (optional)</label>
                  <textarea id="ack-notes" name="notes" maxlength="10000"></textarea>
                </div>
              <//>
            </section>
            ${
              !a.incidentId
                ? html`<section id="create-incident">
                    <h3>Create Incident</h3>
                    <${ActionForm}
                      url=${p.api("incidents")}
                      done="Incident created."
                      submit="Create incident"
                      after="modal"
                    >
                      <input type="hidden" name="alertId" value=${a.id} />
                      <div class="field">
                        <label for="inc-title">Title</label>
                        <input
                          id="inc-title"
                          name="title"
                          required
                          maxlength="500"
                          value=${a.title.slice(0, 500)}
                        />
                      </div>
                      <div class="field">
                        <label for="inc-description">Description</label>
                        <textarea id="inc-description" name="description" maxlength="10000">
${a.message.slice(0, 10_000)}</textarea>
                      </div>
                      <div class="field">
                        <label for="inc-severity">Severity</label>
                        <select id="inc-severity" name="severity">
                          ${SEVERITIES.map(
                            (s) =>
                              html`<option value=${s} selected=${s === a.severity}>${s}</option>`,
                          )}
                        </select>
                      </div>
                    <//>
                  </section>`
                : null
            }
            <section id="resolve">
              <h3>Resolve or dismiss</h3>
              <div class="actions">
                <${ActionButton}
                  label="Resolve"
                  url=${api("/resolve")}
                  done="Alert resolved."
                  after="modal"
                />
                <${ActionButton}
                  label="Dismiss"
                  url=${api("")}
                  method="DELETE"
                  done="Alert dismissed."
                  confirm="Press again to dismiss"
                  danger=${true}
                  after="modal"
                />
              </div>
            </section>`
        : null
    }
  </article>`;
}
