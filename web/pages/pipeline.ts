import type { Pipeline, Role } from "../../schema";
import { Age, Badge, ExternalLink } from "../components/common";
import { runDuration, shortCommit } from "../components/format";
import { ActionButton } from "../components/menu";
import { paths } from "../components/paths";
import { Stages } from "../components/pipelines";
import { can } from "../components/roles";
import { html } from "../html";
import { Facts } from "./detail";

/** Pipeline → View Logs: stages with status and duration, each stage's log on demand. */
export function PipelineDetailView(props: {
  workspace: string;
  run: Pipeline;
  role: Role;
  now: number;
  /** The full-logs page loads every stage's log at once. */
  allLogs?: boolean;
}) {
  const { run } = props;
  const p = paths(props.workspace);
  const api = (verb: string) => p.api(`pipeline/${encodeURIComponent(run.id)}/${verb}`);
  const active = run.status === "running" || run.status === "pending";
  const operator = can(props.role, "operator");
  return html`<article data-pipeline=${run.id}>
    <div class="detail-head">
      <${Badge} status=${run.status} />
      <h2 id="detail-title">${run.name}</h2>
      ${run.attempt && run.attempt > 1 ? html`<span class="meta">attempt ${run.attempt}</span>` : null}
    </div>
    <${Stages} run=${run} />
    <${Facts}
      rows=${[
        ["Branch", run.branch],
        ["Commit", html`<code>${shortCommit(run.commit)}</code>`],
        ["Author", run.author],
        run.trigger && ["Trigger", run.trigger],
        run.repository && ["Repository", run.repository],
        run.startedAt && ["Started", html`<${Age} at=${run.startedAt} now=${props.now} />`],
        run.url && ["GitHub", html`<${ExternalLink} href=${run.url}>View on GitHub<//>`],
      ]}
    />
    <div class="actions">
      ${
        can(props.role, "operator") && !active
          ? html`<${ActionButton}
              label="Re-run"
              url=${api("rerun")}
              body="{}"
              done="Re-run requested."
              after="modal"
            />`
          : null
      }
      ${
        can(props.role, "operator") && active
          ? html`<${ActionButton}
              label="Cancel"
              url=${api("cancel")}
              body="{}"
              done="Cancel requested."
              confirm="Press again to cancel the run"
              danger=${true}
              after="modal"
            />`
          : null
      }
      ${
        props.allLogs || !can(props.role, "operator")
          ? null
          : html`<a class="button" href=${p.pipelineLogs(run.id)}>View Full Logs</a>`
      }
    </div>
    <section id="logs">
      <h3>Logs, stage by stage</h3>
      ${
        operator
          ? null
          : html`<p class="meta">
              Logs are read with the workspace's GitHub token, so operators and admins see them
              here.
            </p>`
      }
      ${run.stages.length === 0 ? html`<p class="meta">No stage has reported yet.</p>` : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col"><span class="visually-hidden">Log</span></th>
          </tr>
        </thead>
        <tbody>
          ${run.stages.map(
            (s) =>
              html`<tr data-stage=${s.id}>
                  <td>${s.name}</td>
                  <td>
                    <${Badge}
                      status=${s.status}
                    />${s.conclusion && s.conclusion !== s.status ? html` <span class="meta">${s.conclusion}</span>` : null}
                  </td>
                  <td class="num">${runDuration(s)}</td>
                  <td>
                    ${
                      operator
                        ? html`<button
                            type="button"
                            class="needs-js"
                            data-action="stage-logs"
                            data-target=${`log-${s.id}`}
                            data-logs=${api(`logs/${encodeURIComponent(s.id)}`)}
                            aria-expanded="false"
                            aria-controls=${`log-${s.id}`}
                          >
                            Show log
                          </button>`
                        : null
                    }
                  </td>
                </tr>
                <tr>
                  <td colspan="4">
                    <div
                      class="logs"
                      id=${`log-${s.id}`}
                      data-logs=${
                        props.allLogs && operator
                          ? api(`logs/${encodeURIComponent(s.id)}`)
                          : undefined
                      }
                      data-kind="stage"
                      hidden=${!props.allLogs}
                      tabindex="0"
                    ></div>
                  </td>
                </tr>`,
          )}
        </tbody>
      </table>
    </section>
  </article>`;
}
