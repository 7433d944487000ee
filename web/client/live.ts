// The page's client: behaviours for every page (menus, dialogs, actions, theme), and on the
// overview the live view: it starts from the snapshot the server embedded in the page, then
// applies socket frames (or polled reads while the socket is down) panel by panel.
import type { Metric, Role, Snapshot, TimeRange } from "../../schema";
import { Charts } from "./charts";
import { LiveLink, type PollOutcome } from "./link";
import { pollReads } from "./poll";
import { applyFrame, applyPolled, type LiveState } from "./state";
import { Ui } from "./ui";
import { View } from "./view";

/** Ages ("12 s ago") are redrawn on this beat; data changes redraw at once. */
const CLOCK_MS = 5_000;
/** How long a dialog action waits for its frame before the dialog is drawn again anyway. */
const DIALOG_WAIT_MS = 1_000;

function readSnapshot(): Snapshot | undefined {
  const island = document.getElementById("snapshot");
  if (!island?.textContent) return undefined;
  try {
    return JSON.parse(island.textContent) as Snapshot;
  } catch {
    return undefined;
  }
}

const isRange = (value: string | undefined): value is TimeRange =>
  value === "1h" || value === "24h" || value === "7d" || value === "30d";

function cookieNumber(name: string): number | undefined {
  const match = new RegExp(`(?:^|; )${name}=(\\d+)`).exec(document.cookie);
  return match ? Number(match[1]) : undefined;
}

async function readMetrics(base: string, range: TimeRange): Promise<Metric[] | undefined> {
  try {
    const res = await fetch(`${base}/api/metrics?timeRange=${range}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!res.ok) return undefined;
    const body: unknown = await res.json();
    const list =
      typeof body === "object" && body !== null ? Reflect.get(body, "metrics") : undefined;
    return Array.isArray(list) ? (list as Metric[]) : undefined;
  } catch {
    return undefined;
  }
}

function main(): void {
  const initial = readSnapshot();
  if (!initial) {
    new Ui().install();
    return;
  }
  const ws = initial.workspace.id;
  const base = `/w/${encodeURIComponent(ws)}`;
  const role = (document.body.dataset.role ?? "viewer") as Role;
  const rangeAttr = document.getElementById("app")?.dataset.range;
  const view = new View(document, `${base}/login`, {
    role,
    range: isRange(rangeAttr) ? rangeAttr : "1h",
    notes: {},
    seenAt: cookieNumber("opsdeck_seen"),
  });
  const charts = new Charts(base, ws, role);
  let state: LiveState = { snapshot: initial, polledAt: {} };

  // The socket's metric cards measure change over the hour; another range reads them again.
  let rangeRead = 0;
  const readRangeMetrics = async () => {
    const asked = ++rangeRead;
    const metrics = await readMetrics(base, view.ctx.range);
    if (!metrics || asked !== rangeRead) return;
    state = { ...state, snapshot: { ...state.snapshot, metrics } };
    view.panels(state, ["metrics"]);
  };

  // Set by a dialog action while the socket is live: its frame redraws the dialog at once.
  let redrawDialogUntil = 0;
  let dialogTimer: ReturnType<typeof setTimeout> | undefined;
  let lastAppliedAt = 0;
  const redrawDialog = () => {
    redrawDialogUntil = 0;
    clearTimeout(dialogTimer);
    ui.refreshModal(true);
  };
  const onText = (text: string) => {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const result = applyFrame(state, frame);
    if (result.kind === "error") view.notice(`Server: ${result.message}`);
    if (result.kind !== "applied") return;
    state = result.state;
    lastAppliedAt = Date.now();
    view.panels(state, result.changed);
    if (Date.now() < redrawDialogUntil) redrawDialog();
    else if (result.changed === "all" || !result.changed.includes("sources")) refreshModal();
    if (result.changed === "all" || result.changed.includes("metrics")) {
      charts.metricsChanged(state.snapshot.metrics, view.ctx.range);
      if (view.ctx.range !== "1h") void readRangeMetrics();
    }
  };

  const poll = async (): Promise<PollOutcome> => {
    const result = await pollReads(base, view.ctx.range);
    if (result.kind !== "ok") return result.kind;
    const at = new Date().toISOString();
    for (const [panel, items] of result.lists) state = applyPolled(state, panel, items, at);
    view.panels(state, "all");
    charts.metricsChanged(state.snapshot.metrics, view.ctx.range);
    return "ok";
  };

  let linkState = "connecting";
  const ui = new Ui({
    onDialogAction: (submittedAt) => {
      if (linkState !== "live") return false;
      // The server sends a change's frames before its answer: often they are here already.
      // Otherwise the next frame redraws, or a second passes (a change no frame carries, such
      // as a new alert rule): either way the dialog is drawn again exactly once.
      if (lastAppliedAt >= submittedAt) return (redrawDialog(), true);
      redrawDialogUntil = Date.now() + DIALOG_WAIT_MS;
      dialogTimer = setTimeout(redrawDialog, DIALOG_WAIT_MS);
      return true;
    },
    onNote: (key, result) => {
      view.ctx.notes = { ...view.ctx.notes, [key]: { ok: result.ok, text: result.text } };
      view.panels(state, "all");
    },
    onRange: (range) => {
      if (!isRange(range)) return;
      view.ctx.range = range;
      history.replaceState(null, "", range === "1h" ? base : `${base}?range=${range}`);
      void readRangeMetrics();
      charts.setRange(range);
    },
    onChartRange: (metricId, range) => {
      if (isRange(range)) charts.setRange(range, metricId);
    },
    onMarkRead: () => {
      const now = Date.now();
      document.cookie = `opsdeck_seen=${now}; Path=${base}; Max-Age=31536000; SameSite=Lax`;
      view.ctx.seenAt = now;
      view.bell(state);
    },
  });
  ui.install();
  // An open dialog follows the live data too, at most every two seconds.
  let modalTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshModal = () => {
    modalTimer ??= setTimeout(() => {
      modalTimer = undefined;
      ui.refreshModal();
    }, 2_000);
  };

  const link = new LiveLink({
    base,
    // After polling, resuming from the old seq would leave the polled panels marked as
    // polled; a fresh snapshot makes every panel live again.
    lastSeq: () => (Object.keys(state.polledAt).length > 0 ? undefined : state.snapshot.seq),
    onText,
    poll,
    onStatus: (status) => {
      linkState = status.state;
      view.status(status);
    },
  });
  view.panels(state, "all");
  setInterval(() => view.panels(state, "all"), CLOCK_MS);
  link.start();
}

main();
