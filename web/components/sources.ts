import type { SourceStatus } from "../../schema";
import { html } from "../html";
import { Age } from "./common";
import { SOURCE_NAMES, SOURCE_SETTINGS } from "./empty-state";
import { paths } from "./paths";
import type { PanelProps } from "./types";

function SourceState({ source, now }: { source: SourceStatus; now: number }) {
  switch (source.status) {
    case "live":
      return html`live · <${Age} at=${source.lastSuccessAt} now=${now} prefix="reported" />`;
    case "stale":
      return html`stale · last success <${Age} at=${source.lastSuccessAt} now=${now} />${
          source.lastError ? ` · ${source.lastError}` : ""
        }`;
    case "error":
      return html`error: ${source.lastError ?? "no reason given"}`;
    case "pending":
      return html`waiting for first report`;
    case "not_configured":
      return html`not configured`;
  }
}

/** The strip that says, per source, whether the numbers on the page are fresh. */
export function SourcesBody({ snapshot, now }: PanelProps) {
  const p = paths(snapshot.workspace.id);
  return html`<ul class="strip">
    ${snapshot.sources.map(
      (s) =>
        html`<li key=${s.id} data-id=${s.id} data-state=${s.status}>
          <strong>${SOURCE_NAMES[s.id] ?? s.id}</strong>${" "}<${SourceState}
            source=${s}
            now=${now}
          />${
            s.status === "not_configured"
              ? html` · <a href=${p.settings(SOURCE_SETTINGS[s.id])}>set up</a>`
              : null
          }
        </li>`,
    )}
  </ul>`;
}
