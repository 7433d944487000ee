/**
 * Prometheus text exposition format 0.0.4, written by hand (prom-client assumes Node).
 * Label values escape backslash, double quote and newline as the format requires.
 */
export type Sample = { labels?: Record<string, string>; value: number };
export type Family = { name: string; help: string; type: "gauge" | "counter"; samples: Sample[] };

function escapeLabel(value: string): string {
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

export function renderExposition(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(
      `# HELP ${family.name} ${escapeHelp(family.help)}`,
      `# TYPE ${family.name} ${family.type}`,
    );
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      lines.push(`${family.name}${labels ? `{${labels}}` : ""} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
