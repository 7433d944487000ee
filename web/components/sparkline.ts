import type { ChartDataPoint, ExpectedBand } from "../../schema";
import { html } from "../html";
import { formatValue } from "./format";

const W = 240;
const H = 48;
const PAD = 4;

/**
 * A small line of a series with one expected band shaded (from `bandFrom` to the end) and
 * the anomalous points marked; the same classes as the metric chart, so themes apply alike.
 * Described in text for screen readers (the figures are in the title and description).
 */
export function Sparkline(props: {
  id: string;
  label: string;
  points: readonly ChartDataPoint[];
  band: ExpectedBand;
  bandFrom: string;
  marks: readonly ChartDataPoint[];
  unit?: string;
}) {
  const all = [...props.points, ...props.marks];
  const times = all.map((p) => Date.parse(p.timestamp));
  const values = [...all.map((p) => p.value), props.band.low, props.band.high];
  const t0 = Math.min(...times, Date.parse(props.bandFrom));
  const t1 = Math.max(...times, t0 + 1);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const sx = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const sy = (v: number) => H - PAD - ((v - lo) / (hi - lo || 1)) * (H - 2 * PAD);
  const line = props.points
    .map(
      (p, i) =>
        `${i ? "L" : "M"}${sx(Date.parse(p.timestamp)).toFixed(1)} ${sy(p.value).toFixed(1)}`,
    )
    .join("");
  const bandX = sx(Math.max(t0, Date.parse(props.bandFrom)));
  const yHigh = sy(props.band.high);
  const yLow = sy(props.band.low);
  const f = (v: number) => formatValue(Number(v.toPrecision(4)), props.unit);
  const desc = `${props.points.length} points; expected ${f(props.band.low)}–${f(props.band.high)}; ${props.marks.length} anomalous point${props.marks.length === 1 ? "" : "s"} marked.`;
  return html`<svg
    class="sparkline"
    viewBox=${`0 0 ${W} ${H}`}
    role="img"
    aria-labelledby=${`${props.id}-t ${props.id}-d`}
  >
    <title id=${`${props.id}-t`}>${props.label}</title>
    <desc id=${`${props.id}-d`}>${desc}</desc>
    <rect
      class="chart-band"
      x=${bandX.toFixed(1)}
      y=${yHigh.toFixed(1)}
      width=${Math.max(1, W - PAD - bandX).toFixed(1)}
      height=${Math.max(1, yLow - yHigh).toFixed(1)}
    />
    ${line ? html`<path class="chart-line" d=${line} />` : null}
    ${props.marks.map(
      (p) =>
        html`<circle
          class="chart-mark"
          cx=${sx(Date.parse(p.timestamp)).toFixed(1)}
          cy=${sy(p.value).toFixed(1)}
          r="3"
        />`,
    )}
  </svg>`;
}
