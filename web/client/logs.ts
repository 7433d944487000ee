import { problemText } from "./actions";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Loads a log (`{ logs: [{ time, level?, message }] }`) into its box, as text only. */
export async function loadLogs(box: HTMLElement): Promise<void> {
  const url = box.dataset.logs;
  if (!url || box.dataset.loaded === "1") return;
  box.dataset.loaded = "1";
  box.textContent = "Loading…";
  try {
    const res = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(20_000),
    });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      box.dataset.loaded = "";
      box.replaceChildren(
        line("error", `Could not load the log: ${problemText(res.status, body)}`),
      );
      return;
    }
    const logs = isRecord(body) && Array.isArray(body.logs) ? body.logs.filter(isRecord) : [];
    if (logs.length === 0) return box.replaceChildren(line("meta", "The log is empty."));
    const truncated = isRecord(body) && body.truncated === true;
    box.replaceChildren(
      ...(truncated ? [line("meta", "The log is long: only its end is shown.")] : []),
      ...logs.map((l) => {
        const level = typeof l.level === "string" ? l.level : "";
        return line(
          level,
          `${String(l.time ?? "")}  ${level ? `${level}  ` : ""}${String(l.message ?? "")}`,
        );
      }),
    );
  } catch {
    box.dataset.loaded = "";
    box.replaceChildren(line("error", "Could not load the log: the server could not be reached."));
  }
}

function line(className: string, text: string): HTMLElement {
  const div = document.createElement("div");
  div.className = className;
  div.textContent = text;
  return div;
}
