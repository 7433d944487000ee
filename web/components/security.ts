import { html } from "../html";
import { Age, Badge, Empty, ExternalLink } from "./common";
import { emptyMessage } from "./empty-state";
import type { PanelProps } from "./types";

export function SecurityBody({ snapshot, now }: PanelProps) {
  if (snapshot.security.length === 0) {
    return html`<${Empty}>${emptyMessage("security scans", ["github"], snapshot.sources)}<//>`;
  }
  return html`<ul class="rows">
    ${snapshot.security.map(
      (s) =>
        html`<li class="row" key=${s.id} data-id=${s.id} data-status=${s.status}>
          <div class="row-head">
            <${Badge} status=${s.status} />
            <strong class="title"><${ExternalLink} href=${s.url}>${s.name}<//></strong>
            <span class="state">${s.severity}</span>
          </div>
          <small class="meta">
            ${s.kind.replace("_", " ")}${s.repository ? ` · ${s.repository}` : ""} · ${" "}<${Age}
              at=${s.timestamp}
              now=${now}
            />
          </small>
        </li>`,
    )}
  </ul>`;
}
