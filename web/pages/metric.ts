import type {
  AlertRule,
  Anomaly,
  ChartDataPoint,
  Metric,
  Role,
  SeriesDetection,
  Settings,
  TimeRange,
} from "../../schema";
import { AnomalySection, anomalyBands, anomalyMarks } from "../components/anomaly-detail";
import { AlertRuleForm, AlertRuleTable } from "../components/alert-rules";
import { Age, Badge, TREND_ARROW } from "../components/common";
import { LineChart, RANGES, RANGE_LABEL, StatsList, seriesStats } from "../components/chart";
import { formatChange, formatValue } from "../components/format";
import { ActionForm } from "../components/menu";
import { thresholdKey } from "../components/metrics";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { html } from "../html";

/** Metric card → View Details: the historical chart, statistics, export and Set Alert. */
export function MetricDetail(props: {
  workspace: string;
  metric: Metric;
  points: ChartDataPoint[];
  range: TimeRange;
  thresholds: Settings["thresholds"];
  /** This metric's alert rules. */
  rules: AlertRule[];
  role: Role;
  now: number;
  /** Anomalies on this series opened in the range, and its detection settings. */
  anomalies?: Anomaly[];
  detection?: SeriesDetection;
}) {
  const { metric: m, range } = props;
  const anomalies = props.anomalies ?? [];
  const p = paths(props.workspace);
  const key = thresholdKey(m.id);
  const threshold = key ? props.thresholds[key] : undefined;
  return html`<article data-metric=${m.id}>
    <div class="detail-head">
      <h2 id="detail-title">${m.label}</h2>
      <${Badge} status=${m.status} />
      <span class="meta"
        >${m.source} · <${Age} at=${m.updatedAt} now=${props.now} prefix="updated"
      /></span>
    </div>
    <p>
      <strong class="big">${formatValue(m.value, m.unit)}</strong>
      <span class="meta">
        ${TREND_ARROW[m.trend]} ${formatChange(m.change)} over the ${RANGE_LABEL[range]}</span
      >
    </p>
    <nav class="segmented" aria-label="Time range of this chart">
      ${RANGES.map(
        (r) =>
          html`<a
            href=${p.metric(m.id, r)}
            data-modal=""
            aria-current=${r === range ? "true" : undefined}
            >${r}</a
          >`,
      )}
    </nav>
    <figure class="chart large">
      <${LineChart}
        id=${`detail-${m.id}`}
        label=${m.label}
        unit=${m.unit}
        points=${props.points}
        range=${range}
        now=${props.now}
        threshold=${threshold}
        height=${260}
        bands=${anomalyBands(anomalies, props.now)}
        marks=${anomalyMarks(anomalies)}
      />
    </figure>
    <h3>Statistics, ${RANGE_LABEL[range]}</h3>
    <${StatsList} stats=${seriesStats(props.points)} unit=${m.unit} />
    <div class="actions">
      <a class="button" href=${p.metricCsv(m.id, range)} download="">Export Data (CSV)</a>
      <a class="button" href=${p.metricSvg(m.id, range)} download="">Export chart (SVG)</a>
    </div>
    <${AnomalySection}
      workspace=${props.workspace}
      anomalies=${anomalies}
      detection=${props.detection}
      unit=${m.unit}
      now=${props.now}
      role=${props.role}
      seriesId=${m.id}
    />
    <section id="set-alert">
      <h3>Set Alert</h3>
      ${
        key && threshold !== undefined
          ? SetAlert({ workspace: props.workspace, key, threshold, role: props.role })
          : null
      }
      ${Rules({ workspace: props.workspace, metric: m, rules: props.rules, role: props.role })}
    </section>
  </article>`;
}

/** This metric's alert rules, and (operators) a form for a new one. */
function Rules(props: { workspace: string; metric: Metric; rules: AlertRule[]; role: Role }) {
  const { metric: m } = props;
  return html`<p><strong>Alert rules on this metric</strong></p>
    ${
      props.rules.length === 0
        ? html`<p class="meta">No alert rule watches this metric.</p>`
        : html`<${AlertRuleTable}
            workspace=${props.workspace}
            rules=${props.rules}
            role=${props.role}
            unit=${m.unit}
            after="modal"
          />`
    }
    ${
      can(props.role, "operator")
        ? html`<p><strong>New rule</strong></p>
            <${AlertRuleForm} workspace=${props.workspace} metric=${m.id} unit=${m.unit} />`
        : html`<p class="meta">Only an operator or admin can add alert rules.</p>`
    }`;
}

/** The workspace threshold (cpu, memory, disk): shown to all, changed by admins. */
function SetAlert(props: {
  workspace: string;
  key: keyof Settings["thresholds"];
  threshold: number;
  role: Role;
}) {
  const current = html`<p class="meta">
    Turns <strong>warning</strong> at ${props.threshold - 10}% and <strong>critical</strong> at
    ${props.threshold}% (the workspace ${props.key} threshold).
  </p>`;
  if (!can(props.role, "admin"))
    return html`${current}
      <p class="meta">Only an admin can change thresholds.</p>`;
  return html`${current}
    <${ActionForm}
      url=${paths(props.workspace).api("settings")}
      method="PUT"
      done="Threshold saved."
      submit="Save threshold"
      after="modal"
    >
      <div class="field">
        <label for=${`threshold-${props.key}`}>Critical at (percent)</label>
        <input
          id=${`threshold-${props.key}`}
          name=${`thresholds.${props.key}`}
          type="number"
          data-type="number"
          min="0"
          max="100"
          step="1"
          required
          value=${props.threshold}
        />
      </div>
    <//>`;
}
