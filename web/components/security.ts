import { html } from "../html";
import { Age, Badge, ExternalLink } from "./common";
import { EmptyFor } from "./empty-state";
import type { PanelProps } from "./types";

export function SecurityBody({ snapshot, now, role }: PanelProps) {
  if (snapshot.security.length === 0) {
    return html`<${EmptyFor}
      noun="security scans"
      feeds=${["github"]}
      sources=${snapshot.sources}
      workspace=${snapshot.workspace.id}
      role=${role}
    />`;
  }
  return html`<ul class="rows" tabindex="0">
    ${snapshot.security.map(
      (s) =>
        html`<li class="row" key=${s.id} data-id=${s.id} data-status=${s.status}>
          <div class="row-head">
            <${Badge} status=${s.status} />
            <span class="title"><${ExternalLink} href=${s.url}>${s.name}<//></span>
            <span class="state">${s.severity}</span>
          </div>
          <small class="meta">
            ${s.kind.replace("_", " ")}${s.repository ? ` · ${s.repository}` : ""} ·${" "}<${Age}
              at=${s.timestamp}
              now=${now}
            />
          </small>
        </li>`,
    )}
  </ul>`;
}
