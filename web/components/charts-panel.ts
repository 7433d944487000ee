import type { ChartDataPoint, Role, TimeRange } from "../../schema";
import { html } from "../html";
import { LineChart, RANGE_LABEL, RANGES } from "./chart";
import { Menu } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";

/** One chart on the overview: a metric over a range (each chart may have its own range). */
export type ChartSlot = {
  metricId: string;
  label: string;
  unit?: string;
  range: TimeRange;
  points: ChartDataPoint[];
  threshold?: number;
};

/** At most this many charts on the overview; Configure picks which metrics. */
export const MAX_CHARTS = 4;

/** Chart menu: View Full Screen, Change Time Range, Export (SVG and CSV), Configure. */
export function ChartFigure(props: {
  slot: ChartSlot;
  workspace: string;
  now: number;
  role?: Role;
}) {
  const { slot } = props;
  const p = paths(props.workspace);
  const ranges = html`<span class="menu-head">Change Time Range</span>
    <span class="segmented">
      ${RANGES.map(
        (r) =>
          html`<a
            href=${p.metric(slot.metricId, r)}
            data-modal=""
            data-action="chart-range"
            data-range=${r}
            aria-current=${r === slot.range ? "true" : undefined}
            >${r}</a
          >`,
      )}
    </span>`;
  return html`<figure
    class="chart"
    id=${`chart-${slot.metricId}`}
    data-metric=${slot.metricId}
    data-range=${slot.range}
    data-label=${slot.label}
    data-unit=${slot.unit}
    data-threshold=${slot.threshold}
  >
    <figcaption>
      <span>${slot.label}</span>
      <span class="range">${RANGE_LABEL[slot.range]}</span>
      <${Menu}
        label=${`Chart menu for ${slot.label}`}
        items=${[
          {
            kind: "link",
            label: "View Full Screen",
            href: p.metric(slot.metricId, slot.range),
            action: "fullscreen",
          },
          { kind: "custom", children: ranges },
          { kind: "sep" },
          {
            kind: "link",
            label: "Export SVG",
            href: p.metricSvg(slot.metricId, slot.range),
            download: true,
          },
          {
            kind: "link",
            label: "Export CSV",
            href: p.metricCsv(slot.metricId, slot.range),
            download: true,
          },
          { kind: "link", label: "Configure…", href: p.chartsConfigure, modal: true },
          // Alert rules fit any series (operator); cpu/memory/disk also show the threshold there.
          can(props.role, "operator") && {
            kind: "link",
            label: "Set Alert…",
            href: `${p.metric(slot.metricId, slot.range)}#set-alert`,
            modal: true,
          },
        ]}
      />
    </figcaption>
    <div class="chart-body">
      <${LineChart}
        id=${`c-${slot.metricId}`}
        label=${slot.label}
        unit=${slot.unit}
        points=${slot.points}
        range=${slot.range}
        now=${props.now}
        threshold=${slot.threshold}
      />
    </div>
  </figure>`;
}

export function ChartsBody(props: {
  slots: ChartSlot[];
  workspace: string;
  now: number;
  role?: Role;
}) {
  if (props.slots.length === 0) {
    return html`<p class="empty">
      No metric to chart yet: charts appear when samples arrive at${" "}
      <code>api/metrics/samples</code>.
    </p>`;
  }
  return html`<div class="charts">
    ${props.slots.map(
      (slot) =>
        html`<${ChartFigure}
          key=${slot.metricId}
          slot=${slot}
          workspace=${props.workspace}
          now=${props.now}
          role=${props.role}
        />`,
    )}
  </div>`;
}
