import type { Deployment, Role } from "../../schema";
import { githubTokenSet, needsGithubToken } from "./github-actions";
import { html } from "../html";
import { Age, Badge } from "./common";
import { EmptyFor } from "./empty-state";
import { runDuration, shortCommit } from "./format";
import { Menu, RowNote } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";

/**
 * Deployment menu: View Logs, View Details, Rollback, Redeploy. Logs, Rollback and Redeploy
 * go through the GitHub API: without a token they are not offered, and the menu says why.
 */
export function deploymentMenu(
  d: Deployment,
  workspace: string,
  role: Role | undefined,
  tokenSet: boolean,
) {
  const p = paths(workspace);
  const operator = can(role, "operator") && tokenSet;
  const blocked = can(role, "operator") && !tokenSet;
  const api = (verb: string) => p.api(`deployments/${encodeURIComponent(d.id)}/${verb}`);
  return html`<${Menu}
    label=${`Actions for deployment ${d.name} ${shortCommit(d.commit)}`}
    items=${[
      // Logs are read with the workspace's GitHub token: an operator action.
      operator && {
        kind: "link",
        label: "View Logs",
        href: `${p.deployment(d.id)}#logs`,
        modal: true,
      },
      { kind: "link", label: "View Details", href: p.deployment(d.id), modal: true },
      (operator || blocked) && { kind: "sep" },
      ...(blocked ? needsGithubToken(p, "Logs, Rollback and Redeploy") : []),
      operator && {
        kind: "action",
        label: "Rollback",
        url: api("rollback"),
        body: "{}",
        done: "Rollback started.",
        confirm: `Press again to roll back ${d.environment}`,
        danger: true,
        note: `deployment:${d.id}`,
      },
      operator && {
        kind: "action",
        label: "Redeploy",
        url: api("retry"),
        body: "{}",
        done: "Redeploy started.",
        confirm: "Press again to redeploy",
        note: `deployment:${d.id}`,
      },
    ]}
  />`;
}

export function DeploymentsBody({ snapshot, now, role, notes }: PanelProps) {
  const ws = snapshot.workspace.id;
  if (snapshot.deployments.length === 0) {
    return html`<${EmptyFor}
      noun="deployments"
      feeds=${["github"]}
      sources=${snapshot.sources}
      workspace=${ws}
      role=${role}
    />`;
  }
  const p = paths(ws);
  const tokenSet = githubTokenSet(snapshot.sources);
  return html`<div class="scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Environment</th>
          <th scope="col">Status</th>
          <th scope="col">Branch</th>
          <th scope="col">Commit</th>
          <th scope="col">Author</th>
          <th scope="col">When</th>
          <th scope="col">Duration</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${snapshot.deployments.map(
          (d) =>
            html`<tr key=${d.id} data-id=${d.id} data-status=${d.status}>
              <td>
                <a href=${p.deployment(d.id)} data-modal="">${d.name}</a>
                <${RowNote} notes=${notes} id=${`deployment:${d.id}`} />
              </td>
              <td>${d.environment}</td>
              <td><${Badge} status=${d.status} /></td>
              <td>${d.branch}</td>
              <td><code>${shortCommit(d.commit)}</code></td>
              <td>${d.author}</td>
              <td class="num"><${Age} at=${d.timestamp} now=${now} /></td>
              <td class="num">${runDuration(d)}</td>
              <td>${deploymentMenu(d, ws, role, tokenSet)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
