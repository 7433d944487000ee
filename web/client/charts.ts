import { h, render } from "preact";
import type { ChartDataPoint, Metric, Role, TimeRange } from "../../schema";
import { ChartsBody, MAX_CHARTS, type ChartSlot } from "../components/charts-panel";
import { thresholdKey } from "../components/metrics";

const isRange = (value: string | undefined): value is TimeRange =>
  value === "1h" || value === "24h" || value === "7d" || value === "30d";

/** Reads the charts the server drew (metric, range, label…) from their figures. */
export function slotsFromPage(doc: Document): ChartSlot[] {
  return Array.from(doc.querySelectorAll<HTMLElement>("#charts-body figure[data-metric]")).map(
    (f) => ({
      metricId: f.dataset.metric!,
      label: f.dataset.label ?? f.dataset.metric!,
      unit: f.dataset.unit || undefined,
      range: isRange(f.dataset.range) ? f.dataset.range : "1h",
      points: [],
      threshold: f.dataset.threshold ? Number(f.dataset.threshold) : undefined,
    }),
  );
}

async function fetchChart(base: string, slot: ChartSlot): Promise<ChartDataPoint[] | undefined> {
  try {
    const res = await fetch(
      `${base}/api/charts/${encodeURIComponent(slot.metricId)}?timeRange=${slot.range}`,
      { credentials: "same-origin", headers: { Accept: "application/json" } },
    );
    if (!res.ok) return undefined;
    const body: unknown = await res.json();
    const data = typeof body === "object" && body !== null ? Reflect.get(body, "data") : undefined;
    return Array.isArray(data) ? (data as ChartDataPoint[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The overview's charts in the browser: refetched when metrics change (at most every few
 * seconds) or a range changes, and redrawn with the same component the server used.
 */
export class Charts {
  private slots: ChartSlot[];
  private timer?: ReturnType<typeof setTimeout>;
  private lastRun = 0;
  private readonly loaded = new Set<string>();
  /** Whether the person picked the charts (cookie); otherwise new metrics join them. */
  private readonly configured = /(?:^|; )opsdeck_charts=/.test(document.cookie);

  constructor(
    private readonly base: string,
    private readonly workspace: string,
    private readonly role: Role,
  ) {
    this.slots = slotsFromPage(document);
  }

  /** Metrics changed: new series may join the default charts; data is refetched soon. */
  metricsChanged(metrics: Metric[], range: TimeRange): void {
    if (!this.configured && this.slots.length < MAX_CHARTS) {
      for (const m of metrics) {
        if (this.slots.length >= MAX_CHARTS) break;
        if (this.slots.some((s) => s.metricId === m.id)) continue;
        const key = thresholdKey(m.id);
        const threshold = key
          ? this.slots.find((s) => thresholdKey(s.metricId) === key)?.threshold
          : undefined;
        this.slots.push({
          metricId: m.id,
          label: m.label,
          unit: m.unit,
          range,
          points: [],
          threshold,
        });
      }
    }
    this.schedule();
  }

  setRange(range: TimeRange, metricId?: string): void {
    for (const slot of this.slots) if (!metricId || slot.metricId === metricId) slot.range = range;
    void this.refresh();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(500, 5_000 - (Date.now() - this.lastRun));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, wait);
  }

  async refresh(): Promise<void> {
    this.lastRun = Date.now();
    const results = await Promise.all(this.slots.map((s) => fetchChart(this.base, s)));
    results.forEach((points, i) => {
      const slot = this.slots[i];
      if (!points || !slot) return;
      slot.points = points;
      this.loaded.add(slot.metricId + slot.range);
    });
    // Never replace a drawn chart by an empty one because one read failed.
    if (this.slots.every((s) => this.loaded.has(s.metricId + s.range))) this.draw();
  }

  private draw(): void {
    const root = document.getElementById("charts-body");
    if (!root) return;
    const props = {
      slots: this.slots,
      workspace: this.workspace,
      now: Date.now(),
      role: this.role,
    };
    render(h(ChartsBody, props), root);
    const count = document.querySelector("#panel-charts .count");
    if (count) count.textContent = String(this.slots.length);
  }
}
