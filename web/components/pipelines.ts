import { html } from "../html";
import { Age, Badge, Empty, ExternalLink } from "./common";
import { emptyMessage } from "./empty-state";
import { formatDuration, shortCommit } from "./format";
import type { PanelProps } from "./types";

export function PipelinesBody({ snapshot, now }: PanelProps) {
  if (snapshot.pipelines.length === 0) {
    return html`<${Empty}>${emptyMessage("pipeline runs", ["github"], snapshot.sources)}<//>`;
  }
  return html`<ul class="rows">
    ${snapshot.pipelines.map(
      (p) =>
        html`<li class="row" key=${p.id} data-id=${p.id} data-status=${p.status}>
          <div class="row-head">
            <${Badge} status=${p.status} />
            <strong class="title"><${ExternalLink} href=${p.url}>${p.name}<//></strong>
          </div>
          <small class="meta">
            ${p.branch} · <code>${shortCommit(p.commit)}</code> · ${p.author}
            ${p.startedAt ? html` · started <${Age} at=${p.startedAt} now=${now} />` : null}
          </small>
          <ol class="stages">
            ${p.stages.map(
              (s) =>
                html`<li key=${s.id} data-status=${s.status}>
                  ${s.name}: ${s.status}${s.duration > 0 ? ` (${formatDuration(s.duration)})` : ""}
                </li>`,
            )}
          </ol>
        </li>`,
    )}
  </ul>`;
}
