/**
 * Reading and writing NAB's on-disk layout: `<dir>/<category>/<series>.csv` data files, the
 * `combined_windows.json` labels and `<detector>_<series>.csv` result files.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** A data or result file: its timestamp strings exactly as written, and one numeric column. */
export interface Table {
  stamps: string[];
  values: number[];
}

/** `<category>/<series>.csv` for every CSV one level below `dir`, sorted. */
export function listSeries(dir: string): string[] {
  const out: string[] = [];
  for (const category of readdirSync(dir).sort()) {
    const sub = path.join(dir, category);
    if (!statSync(sub).isDirectory()) continue;
    for (const file of readdirSync(sub).sort()) {
      if (file.endsWith(".csv")) out.push(`${category}/${file}`);
    }
  }
  return out;
}

/**
 * A two-column CSV with a header. `column` picks the numeric column by header name (NAB result
 * files may carry extra columns); a cell that is not a number becomes NaN, as the detector must
 * cope with that anyway.
 */
export function readTable(file: string, column: string): Table {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const ts = header.indexOf("timestamp");
  const col = header.indexOf(column);
  if (ts < 0 || col < 0) throw new Error(`${file}: expected columns timestamp and ${column}`);
  const stamps: string[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const cells = line.split(",");
    stamps.push(cells[ts] ?? "");
    const cell = (cells[col] ?? "").trim();
    values.push(cell === "" ? Number.NaN : Number(cell));
  }
  return { stamps, values };
}

/**
 * NAB timestamps ("2014-02-14 14:30:00", labels add ".000000") as UTC milliseconds; anything
 * else Date.parse understands is accepted too, and garbage becomes NaN.
 */
export function parseStamp(stamp: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(stamp);
  if (!m) return Date.parse(stamp);
  const ms = Number(`0.${m[7] ?? "0"}`) * 1000;
  return (
    Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
    ) + Math.round(ms)
  );
}

/** `combined_windows.json`: windows per `category/series.csv`, as [startMs, endMs]. */
export function readWindows(file: string): Map<string, [number, number][]> {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, [string, string][]>;
  const out = new Map<string, [number, number][]>();
  for (const [key, windows] of Object.entries(json)) {
    out.set(
      key,
      windows.map(([a, b]) => [parseStamp(a), parseStamp(b)]),
    );
  }
  return out;
}

/** Result file of `detector` for data file `rel` (`category/series.csv`) under `dir`. */
export function resultPath(dir: string, detector: string, rel: string): string {
  const [category = "", file = ""] = rel.split("/");
  return path.join(dir, category, `${detector}_${file}`);
}

/** A result file in NAB's shape, with timestamps exactly as they came in. */
export function formatResult(stamps: readonly string[], scores: readonly number[]): string {
  const rows = stamps.map((s, i) => `${s},${scores[i] ?? 0}`);
  return `timestamp,anomaly_score\n${rows.join("\n")}\n`;
}
