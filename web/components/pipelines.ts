import type { Pipeline, Role } from "../../schema";
import { githubTokenSet, needsGithubToken } from "./github-actions";
import { html } from "../html";
import { Age, Badge } from "./common";
import { EmptyFor } from "./empty-state";
import { runDuration, safeHref, shortCommit } from "./format";
import { Menu, RowNote } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";

/**
 * Pipeline menu: Re-run, View Logs (stage by stage), View on GitHub, Cancel. All but View on
 * GitHub go through the GitHub API: without a token they are not offered, and the menu says why.
 */
export function pipelineMenu(
  run: Pipeline,
  workspace: string,
  role: Role | undefined,
  tokenSet: boolean,
) {
  const p = paths(workspace);
  const operator = can(role, "operator") && tokenSet;
  const blocked = can(role, "operator") && !tokenSet;
  const api = (verb: string) => p.api(`pipeline/${encodeURIComponent(run.id)}/${verb}`);
  const github = safeHref(run.url);
  const active = run.status === "running" || run.status === "pending";
  return html`<${Menu}
    label=${`Actions for pipeline ${run.name}`}
    items=${[
      operator &&
        !active && {
          kind: "action",
          label: "Re-run",
          url: api("rerun"),
          body: "{}",
          done: "Re-run requested.",
          note: `pipeline:${run.id}`,
        },
      // Logs are read with the workspace's GitHub token: an operator action.
      operator && {
        kind: "link",
        label: "View Logs",
        href: `${p.pipeline(run.id)}#logs`,
        modal: true,
      },
      github && { kind: "link", label: "View on GitHub", href: github, external: true },
      ...(blocked ? needsGithubToken(p, "Re-run, Cancel and logs") : []),
      operator &&
        active && {
          kind: "action",
          label: "Cancel",
          url: api("cancel"),
          body: "{}",
          done: "Cancel requested.",
          confirm: "Press again to cancel the run",
          danger: true,
          note: `pipeline:${run.id}`,
        },
    ]}
  />`;
}

/** Stages in order with status and duration: the pipeline visualisation. */
export function Stages(props: { run: Pipeline }) {
  return html`<ol class="stages" aria-label=${`Stages of ${props.run.name}`}>
    ${props.run.stages.map(
      (s) =>
        html`<li key=${s.id} data-status=${s.status}>
          <span>${s.name}</span>
          <span class="visually-hidden">: ${s.status}</span>
          ${s.status === "pending" ? null : html`<span class="dur">${runDuration(s)}</span>`}
        </li>`,
    )}
  </ol>`;
}

export function PipelinesBody({ snapshot, now, role, notes }: PanelProps) {
  const ws = snapshot.workspace.id;
  if (snapshot.pipelines.length === 0) {
    return html`<${EmptyFor}
      noun="pipeline runs"
      feeds=${["github"]}
      sources=${snapshot.sources}
      workspace=${ws}
      role=${role}
    />`;
  }
  const p = paths(ws);
  const tokenSet = githubTokenSet(snapshot.sources);
  return html`<ul class="rows" tabindex="0">
    ${snapshot.pipelines.map(
      (run) =>
        html`<li class="row" key=${run.id} data-id=${run.id} data-status=${run.status}>
          <div class="row-head">
            <${Badge} status=${run.status} />
            <a class="title" href=${p.pipeline(run.id)} data-modal="">${run.name}</a>
            ${pipelineMenu(run, ws, role, tokenSet)}
          </div>
          <small class="meta">
            ${run.branch} ·
            <code>${shortCommit(run.commit)}</code> ${run.author ? ` · ${run.author}` : ""}
            ${run.startedAt ? html` · started <${Age} at=${run.startedAt} now=${now} />` : null}
            ${
              can(role, "operator") && tokenSet
                ? html`${" · "}<a href=${p.pipelineLogs(run.id)}>View Full Logs</a>`
                : null
            }
          </small>
          <${Stages} run=${run} />
          <${RowNote} notes=${notes} id=${`pipeline:${run.id}`} />
        </li>`,
    )}
  </ul>`;
}
