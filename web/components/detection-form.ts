import type { ExpectedWindow, SeriesDetection } from "../../schema";
import { EXPECTED_WINDOWS_MAX } from "../../schema";
import { html } from "../html";
import { ActionForm } from "./menu";
import { paths } from "./paths";

/** One expected window's fields; `slot` is `__i__` in the template the client copies. */
function WindowRow(props: { slot: string; window?: ExpectedWindow }) {
  const w = props.window;
  const id = (name: string) => `ew-${props.slot}-${name}`;
  return html`<fieldset class="card-row" data-row="">
    <legend>${w ? `Expected window ${w.reason ?? ""}`.trim() : "New expected window"}</legend>
    <div class="field">
      <label for=${id("start")}>Start (ISO 8601, e.g. 2026-12-08T02:00:00Z)</label>
      <input id=${id("start")} name="start" required value=${w?.start ?? ""} />
    </div>
    <div class="field">
      <label for=${id("end")}>End</label>
      <input id=${id("end")} name="end" required value=${w?.end ?? ""} />
    </div>
    <div class="field">
      <label for=${id("reason")}>Reason (maintenance, load test…)</label>
      <input id=${id("reason")} name="reason" maxlength="200" value=${w?.reason ?? ""} />
    </div>
    <button type="button" class="danger" data-action="row-remove">Remove window</button>
  </fieldset>`;
}

/**
 * A series' detection settings for admins: on or off, sensitivity, and the expected windows
 * (neither alerting nor learned from), saved with `PUT api/metrics/:id/detection`.
 */
export function DetectionForm(props: {
  workspace: string;
  seriesId: string;
  detection: SeriesDetection;
}) {
  const d = props.detection;
  return html`<${ActionForm}
    id="detection-form"
    url=${paths(props.workspace).api(`metrics/${encodeURIComponent(props.seriesId)}/detection`)}
    method="PUT"
    done="Detection saved."
    submit="Save detection"
    after="modal"
  >
    <div class="inline">
      <input type="checkbox" id="det-enabled" name="enabled" checked=${d.enabled} />
      <label for="det-enabled">Detect anomalies on this series</label>
    </div>
    <div class="field">
      <label for="det-sensitivity"
        >Sensitivity (0 = only the clearest, 1 = the most; 0.5 default)</label
      >
      <input
        id="det-sensitivity"
        name="sensitivity"
        type="number"
        data-type="number"
        min="0"
        max="1"
        step="0.05"
        required
        value=${d.sensitivity}
      />
    </div>
    <div data-array="expectedWindows" data-max=${EXPECTED_WINDOWS_MAX}>
      <h4>Expected windows (at most ${EXPECTED_WINDOWS_MAX})</h4>
      <div data-rows="">
        ${d.expectedWindows.map((w, i) => html`<${WindowRow} slot=${String(i)} window=${w} />`)}
      </div>
      <template><${WindowRow} slot="__i__" /></template>
      <button type="button" data-action="row-add">Add expected window</button>
    </div>
  <//>`;
}
