import type { Anomaly, ChartDataPoint, Role, SeriesDetection } from "../../schema";
import { html } from "../html";
import type { ChartBand } from "./chart";
import { Age, Badge } from "./common";
import { DetectionForm } from "./detection-form";
import { formatValue } from "./format";
import { paths } from "./paths";
import { can } from "./roles";

/** Each anomaly's expected band, shaded from its opening to its closing (or now). */
export function anomalyBands(anomalies: readonly Anomaly[], now: number): ChartBand[] {
  return anomalies.map((a) => ({
    from: Date.parse(a.openedAt),
    to: a.closedAt ? Date.parse(a.closedAt) : now,
    low: a.expected.low,
    high: a.expected.high,
  }));
}

/** The triggering points of every anomaly, at their true values. */
export function anomalyMarks(anomalies: readonly Anomaly[]): ChartDataPoint[] {
  return anomalies.flatMap((a) =>
    a.points.map((p) => ({ timestamp: p.timestamp, value: p.value })),
  );
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

function rowText(a: Anomaly, unit: string | undefined): string {
  const band = (x: number) => formatValue(Number(x.toPrecision(4)), unit);
  return `${formatValue(a.points[0]?.value ?? 0, unit)}, expected ${band(a.expected.low)}–${band(a.expected.high)}`;
}

/** One line, built as text: htm drops the spaces around line breaks in a template. */
function summary(d: SeriesDetection, judged: number): string {
  const windows = `${d.expectedWindows.length} expected window${d.expectedWindows.length === 1 ? "" : "s"}`;
  const precision =
    d.precision === null ? "not judged yet" : `${percent(d.precision)} of ${judged} judged`;
  return `${d.enabled ? "On" : "Off"} · sensitivity ${d.sensitivity} (threshold ${d.threshold}) · ${windows} · precision from feedback: ${precision}`;
}

/** Metric details: the series' detection settings, feedback precision and its anomalies. */
export function AnomalySection(props: {
  workspace: string;
  anomalies: readonly Anomaly[];
  detection?: SeriesDetection;
  unit?: string;
  now: number;
  /** Admins get the settings form; the series whose section this is. */
  role?: Role;
  seriesId?: string;
}) {
  const d = props.detection;
  const judged = d ? d.truePositives + d.falsePositives : 0;
  return html`<section id="anomalies">
    <h3>Anomaly detection</h3>
    ${
      d
        ? html`<p class="meta" data-detection=${d.enabled ? "on" : "off"}>${summary(d, judged)}</p>`
        : null
    }
    ${d && !d.enabled ? html`<p><${Badge} status="offline" label="detection off" /></p>` : null}
    ${
      d && props.seriesId && can(props.role, "admin")
        ? html`<${DetectionForm}
            workspace=${props.workspace}
            seriesId=${props.seriesId}
            detection=${d}
          />`
        : null
    }
    ${
      props.anomalies.length === 0
        ? html`<p class="meta">No anomaly in this range.</p>`
        : html`<ul class="rows">
            ${props.anomalies.map(
              (a) =>
                html`<li class="row" key=${a.id} data-status=${a.status}>
                  <a href=${paths(props.workspace).alert(a.id)} data-modal=""
                    >${rowText(a, props.unit)}</a
                  >
                  <small class="meta">
                    score ${a.score.toFixed(2)} · ${a.status} ·
                    <${Age} at=${a.openedAt} now=${props.now} />
                    ${a.feedback ? ` · judged ${a.feedback.verdict.replace("_", " ")} by ${a.feedback.by}` : ""}
                  </small>
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}
