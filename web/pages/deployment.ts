import type { Deployment, Role } from "../../schema";
import { Age, Badge, ExternalLink } from "../components/common";
import { runDuration } from "../components/format";
import { ActionButton } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { html } from "../html";
import { Facts } from "./detail";

/** Deployment → View Details / View Logs: facts, the log (loaded by the client), actions. */
export function DeploymentDetailView(props: {
  workspace: string;
  deployment: Deployment;
  role: Role;
  now: number;
}) {
  const d = props.deployment;
  const p = paths(props.workspace);
  const api = (verb: string) => p.api(`deployments/${encodeURIComponent(d.id)}/${verb}`);
  return html`<article data-deployment=${d.id}>
    <div class="detail-head">
      <h2 id="detail-title">${d.name}</h2>
      <${Badge} status=${d.status} />
      <span class="meta">${d.environment}</span>
    </div>
    <${Facts}
      rows=${[
        ["Environment", d.environmentName ?? d.environment],
        ["Branch", d.branch],
        ["Commit", html`<code>${d.commit}</code>`],
        ["Author", d.author],
        ["When", html`<${Age} at=${d.timestamp} now=${props.now} />`],
        ["Duration", runDuration(d)],
        d.repository && ["Repository", d.repository],
        d.state && ["Provider state", d.state],
        d.description && ["Description", d.description],
        d.url && ["Link", html`<${ExternalLink} href=${d.url}>${d.url}<//>`],
      ]}
    />
    ${
      can(props.role, "operator")
        ? html`<div class="actions">
            <${ActionButton}
              label="Rollback"
              url=${api("rollback")}
              body="{}"
              done="Rollback started."
              confirm=${`Press again to roll back ${d.environment}`}
              danger=${true}
              after="modal"
            />
            <${ActionButton}
              label="Redeploy"
              url=${api("retry")}
              body="{}"
              done="Redeploy started."
              confirm="Press again to redeploy"
              after="modal"
            />
          </div>`
        : null
    }
    <section id="logs">
      <h3>Logs</h3>
      ${
        can(props.role, "operator")
          ? html`<div class="logs" data-logs=${api("logs")} tabindex="0">
              <span class="meta">The log is loaded by the page's script.</span>
            </div>`
          : html`<p class="meta">
              Logs are read with the workspace's GitHub token, so operators and admins see them
              here.
            </p>`
      }
      ${d.logUrl ? html`<p><${ExternalLink} href=${d.logUrl}>The provider's log page<//></p>` : null}
    </section>
  </article>`;
}
