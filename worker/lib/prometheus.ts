/**
 * Prometheus text exposition format 0.0.4, written by hand (prom-client assumes Node).
 * Label values escape backslash, double quote and newline as the format requires; help
 * text escapes backslash and newline.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export type Sample = { labels?: Record<string, string>; value: number };
export type Family = { name: string; help: string; type: "gauge" | "counter"; samples: Sample[] };

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Names come from code, never from data; a bad one is a programming error, caught here. */
function assertName(name: string, pattern: RegExp): void {
  if (!pattern.test(name)) throw new Error(`invalid Prometheus name '${name}'`);
}

/**
 * Renders metric families; a family without samples still gets its HELP and TYPE lines.
 * @example renderExposition([{ name: "up", help: "Up.", type: "gauge", samples: [{ value: 1 }] }])
 */
export function renderExposition(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    assertName(family.name, METRIC_NAME);
    lines.push(
      `# HELP ${family.name} ${escapeHelp(family.help)}`,
      `# TYPE ${family.name} ${family.type}`,
    );
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {})
        .map(([k, v]) => {
          assertName(k, LABEL_NAME);
          return `${k}="${escapeLabel(v)}"`;
        })
        .join(",");
      lines.push(`${family.name}${labels ? `{${labels}}` : ""} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
