import type { ChartDataPoint, TimeRange } from "../../schema";
import { html } from "../html";
import { formatNumber, formatValue } from "./format";

export const RANGES: readonly TimeRange[] = ["1h", "24h", "7d", "30d"];
export const RANGE_MS: Record<TimeRange, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};
export const RANGE_LABEL: Record<TimeRange, string> = {
  "1h": "last hour",
  "24h": "last 24 h",
  "7d": "last 7 days",
  "30d": "last 30 days",
};

/** Fixed drawing box: the SVG scales to its container with a fixed aspect ratio (no shift). */
const W = 640;
const PAD = { l: 48, r: 12, t: 12, b: 24 };

export type SeriesStats = {
  count: number;
  min: number;
  max: number;
  avg: number;
  last: number;
  p95: number;
};

/** Summary numbers of a series; `undefined` for an empty one. */
export function seriesStats(points: readonly ChartDataPoint[]): SeriesStats | undefined {
  if (points.length === 0) return undefined;
  const values = points.map((p) => p.value);
  const sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((s, v) => s + v, 0);
  const rank = Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1);
  return {
    count: values.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    avg: sum / values.length,
    last: values[values.length - 1]!,
    p95: sorted[Math.max(0, rank)]!,
  };
}

/** Round tick values covering [min, max] (three to five of them). */
function ticks(min: number, max: number): number[] {
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return ticks(min - pad, max + pad);
  }
  const raw = (max - min) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const first = Math.floor(min / step) * step;
  const out: number[] = [];
  for (let v = first; out.length < 12; v += step) {
    out.push(+v.toFixed(10));
    if (v >= max) break;
  }
  return out;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Axis labels in UTC: the server and every browser print the same text. */
export function axisTime(ms: number, range: TimeRange): string {
  const d = new Date(ms);
  if (range === "1h" || range === "24h")
    return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** The SVG path of a series, broken where points are missing for a while. */
function linePath(xy: Array<[number, number, number]>, gapMs: number): string {
  let d = "";
  let prev: number | undefined;
  for (const [t, x, y] of xy) {
    d += `${prev === undefined || t - prev > gapMs ? "M" : "L"}${x.toFixed(1)} ${y.toFixed(1)}`;
    prev = t;
  }
  return d;
}

export type ChartProps = {
  /** Unique on the page: names the title and description for screen readers. */
  id: string;
  label: string;
  unit?: string;
  points: readonly ChartDataPoint[];
  range: TimeRange;
  now: number;
  /** A dashed line, e.g. the alert threshold of cpu/memory/disk. */
  threshold?: number;
  height?: number;
  /** Shaded expected bands (anomalies: from opening to closing, ms). */
  bands?: readonly ChartBand[];
  /** Points marked on the line (an anomaly's triggering points, at their true value). */
  marks?: readonly ChartDataPoint[];
};

export type ChartBand = { from: number; to: number; low: number; high: number };

/**
 * A line chart as static SVG, drawn the same on the server and in the browser. Time runs
 * over the whole range (a sparse series shows as sparse); values are bucket averages.
 */
export function LineChart(props: ChartProps) {
  const H = props.height ?? 200;
  const stats = seriesStats(props.points);
  const span = RANGE_MS[props.range];
  const x0 = props.now - span;
  const innerW = W - PAD.l - PAD.r;
  const innerH = H - PAD.t - PAD.b;
  const titleId = `${props.id}-title`;
  const descId = `${props.id}-desc`;
  const summary = stats
    ? `${stats.count} points, min ${formatValue(stats.min, props.unit)}, max ${formatValue(stats.max, props.unit)}, last ${formatValue(stats.last, props.unit)}.`
    : "No data in this range.";
  const frame = html`<title id=${titleId}>${props.label}, ${RANGE_LABEL[props.range]}</title>
    <desc id=${descId}>${summary}</desc>`;
  const xLabels = [0, 0.5, 1].map((f) => ({
    x: PAD.l + f * innerW,
    text: axisTime(x0 + f * span, props.range),
    anchor: f === 0 ? "start" : f === 1 ? "end" : "middle",
  }));
  const axisX = xLabels.map(
    (l) =>
      html`<text class="chart-axis" x=${l.x} y=${H - 6} text-anchor=${l.anchor}>${l.text}</text>`,
  );
  if (!stats) {
    return html`<svg
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby=${`${titleId} ${descId}`}
    >
      ${frame}
      <line
        class="chart-grid"
        x1=${PAD.l}
        x2=${W - PAD.r}
        y1=${PAD.t + innerH}
        y2=${PAD.t + innerH}
      />
      <text class="chart-empty" x=${W / 2} y=${H / 2} text-anchor="middle">
        No samples in the ${RANGE_LABEL[props.range]}
      </text>
      ${axisX}
    </svg>`;
  }
  const marks = (props.marks ?? []).filter((p) => Date.parse(p.timestamp) >= x0);
  const markValues = marks.map((p) => p.value);
  const lo = Math.min(stats.min, props.threshold ?? stats.min, ...markValues);
  const hi = Math.max(stats.max, props.threshold ?? stats.max, ...markValues);
  const yTicks = ticks(lo, hi);
  const yMin = yTicks[0]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const sx = (t: number) => PAD.l + ((t - x0) / span) * innerW;
  const sy = (v: number) => PAD.t + innerH - ((v - yMin) / (yMax - yMin || 1)) * innerH;
  const xy = props.points.map(
    (p) =>
      [Date.parse(p.timestamp), sx(Date.parse(p.timestamp)), sy(p.value)] as [
        number,
        number,
        number,
      ],
  );
  const gap = span / 15;
  const line = linePath(xy, gap);
  const first = xy[0]!;
  const last = xy[xy.length - 1]!;
  const base = (PAD.t + innerH).toFixed(1);
  const area =
    xy.length > 1
      ? `${line.replace(/M/g, "L").replace(/^L/, "M")}L${last[1].toFixed(1)} ${base}L${first[1].toFixed(1)} ${base}Z`
      : "";
  return html`<svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby=${`${titleId} ${descId}`}>
    ${frame}
    ${yTicks.map(
      (v) =>
        html`<line class="chart-grid" x1=${PAD.l} x2=${W - PAD.r} y1=${sy(v)} y2=${sy(v)} />
          <text class="chart-axis" x=${PAD.l - 6} y=${sy(v) + 4} text-anchor="end">
            ${formatNumber(v)}
          </text>`,
    )}
    ${(props.bands ?? []).map((b) => Band({ band: b, sx, sy, x0, x1: props.now, top: PAD.t, bottom: PAD.t + innerH }))}
    ${area ? html`<path class="chart-area" d=${area} />` : null}
    <path class="chart-line" d=${line} />
    ${xy.length === 1 ? html`<circle class="chart-dot" cx=${first[1]} cy=${first[2]} r="3" />` : null}
    ${
      props.threshold !== undefined
        ? html`<line
            class="chart-threshold"
            x1=${PAD.l}
            x2=${W - PAD.r}
            y1=${sy(props.threshold)}
            y2=${sy(props.threshold)}
          />`
        : null
    }
    ${marks.map(
      (p) =>
        html`<circle
          class="chart-mark"
          cx=${sx(Date.parse(p.timestamp)).toFixed(1)}
          cy=${sy(p.value).toFixed(1)}
          r="4"
          ><title>${`${formatValue(p.value, props.unit)} at ${p.timestamp}`}</title></circle
        >`,
    )}
    ${axisX}
  </svg>`;
}

/** One expected band, clipped to the drawing area. */
function Band(props: {
  band: ChartBand;
  sx: (t: number) => number;
  sy: (v: number) => number;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
}) {
  const { band, sx, sy } = props;
  const left = sx(Math.max(band.from, props.x0));
  const right = sx(Math.min(band.to, props.x1));
  const y1 = Math.max(props.top, Math.min(props.bottom, sy(band.high)));
  const y2 = Math.max(props.top, Math.min(props.bottom, sy(band.low)));
  if (!(right > left) || !(y2 > y1)) return null;
  return html`<rect
    class="chart-band"
    x=${left.toFixed(1)}
    y=${y1.toFixed(1)}
    width=${(right - left).toFixed(1)}
    height=${(y2 - y1).toFixed(1)}
  />`;
}

export function StatsList(props: { stats: SeriesStats | undefined; unit?: string }) {
  const s = props.stats;
  if (!s) return html`<p class="empty">No samples in this range.</p>`;
  const item = (label: string, value: number) =>
    html`<li>${label}<b>${formatValue(Math.round(value * 100) / 100, props.unit)}</b></li>`;
  return html`<ul class="stats">
    ${item("last", s.last)} ${item("average", s.avg)} ${item("min", s.min)} ${item("max", s.max)}
    ${item("p95", s.p95)}
    <li>points<b>${formatNumber(s.count)}</b></li>
  </ul>`;
}
