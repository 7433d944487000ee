import type { WebhookIntegration } from "../../../schema";
import { Age } from "../../components/common";
import { ActionButton, ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { html } from "../../html";
import { Secret } from "./fields";

/** Alert and event senders (admins only): their deliveries, rotate, delete, add one. */
export function SendersSection(props: {
  workspace: string;
  webhooks: WebhookIntegration[] | undefined;
  now: number;
}) {
  const p = paths(props.workspace);
  return html`<section id="webhooks">
    <h3>Alert and event senders</h3>
    ${
      props.webhooks === undefined
        ? html`<p class="meta">Only an admin can see webhook integrations.</p>`
        : html`${
              props.webhooks.length === 0
                ? html`<p class="meta">
                    No sender is set up: Alertmanager, Grafana, PagerDuty-style and GitHub senders
                    each need one.
                  </p>`
                : html`<div class="scroll">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Name</th>
                          <th scope="col">Kind</th>
                          <th scope="col">Endpoint</th>
                          <th scope="col">Credential</th>
                          <th scope="col">Deliveries</th>
                          <th scope="col"><span class="visually-hidden">Actions</span></th>
                        </tr>
                      </thead>
                      <tbody>
                        ${props.webhooks.map(
                          (w) =>
                            html`<tr data-id=${w.id}>
                              <td>${w.name}</td>
                              <td>${w.kind}</td>
                              <td><code>${w.endpoint}</code></td>
                              <td><${Secret} set=${w.secretSet} /></td>
                              <td class="num">
                                ${w.stats.accepted} ok · ${w.stats.rejected}
                                rejected${w.stats.refused > 0 ? html` · <span class="error" title="Refused at the workspace's open-alert limit; the sender retries them">${w.stats.refused} refused (open-alert limit)</span>` : null}${w.stats.lastDeliveryAt ? html` · last <${Age} at=${w.stats.lastDeliveryAt} now=${props.now} />` : null}${w.stats.lastError ? html`<br /><span class="error">${w.stats.lastError}</span>` : null}
                              </td>
                              <td>
                                <${ActionButton}
                                  label="Rotate"
                                  url=${p.api(`integrations/webhooks/${encodeURIComponent(w.id)}/rotate`)}
                                  body="{}"
                                  done="Rotated; the new credential:"
                                  confirm="Press again to rotate"
                                />
                                <${ActionButton}
                                  label="Delete"
                                  url=${p.api(`integrations/webhooks/${encodeURIComponent(w.id)}`)}
                                  method="DELETE"
                                  done="Deleted."
                                  confirm="Press again to delete"
                                  danger=${true}
                                  after="reload"
                                />
                              </td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>`
            }
            <h3>Add a sender</h3>
            <${ActionForm}
              url=${p.api("integrations/webhooks")}
              done="Created. Give the sender this credential now; it is not shown again:"
              submit="Create"
              show="credential"
            >
              <div class="field">
                <label for="wh-kind">Kind</label>
                <select id="wh-kind" name="kind">
                  <option value="alertmanager">Alertmanager</option>
                  <option value="grafana">Grafana</option>
                  <option value="pagerduty">PagerDuty-style events</option>
                  <option value="github">GitHub</option>
                </select>
              </div>
              <div class="field">
                <label for="wh-name">Name</label>
                <input id="wh-name" name="name" required maxlength="100" />
              </div>
            <//>`
    }
  </section>`;
}
