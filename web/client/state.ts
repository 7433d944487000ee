import type { ChangeType, Pipeline, Snapshot } from "../../schema";
import { LIST_CAPS } from "../../schema/list-caps";
import type { PanelKey } from "../components/types";

/**
 * What the page shows: the snapshot (its `seq` is the last applied event) plus, per panel,
 * when its list came from polling the API instead of the socket.
 */
export type LiveState = { snapshot: Snapshot; polledAt: Partial<Record<PanelKey, string>> };

export type FrameResult =
  | { kind: "applied"; state: LiveState; changed: PanelKey[] | "all" }
  | { kind: "error"; message: string }
  | { kind: "ignored" };

/** List-shaped events carry the whole current list of their kind. */
const LIST_PANEL = {
  metrics: "metrics",
  alerts: "alerts",
  incidents: "incidents",
  deployments: "deployments",
  "aws-services": "awsServices",
  "web3-networks": "web3Networks",
  security: "security",
  sources: "sources",
  anomalies: "anomalies",
} as const satisfies Partial<Record<ChangeType, PanelKey>>;

const IGNORED: FrameResult = { kind: "ignored" };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isListPanelType(type: string): type is keyof typeof LIST_PANEL {
  return Object.hasOwn(LIST_PANEL, type);
}

function withId(value: unknown): value is { id: string } {
  return isRecord(value) && typeof value.id === "string";
}

/**
 * Sources change what empty panels say, so a sources change redraws every panel; alerts
 * carry the anomaly badges on metric cards, so an alerts change redraws the metrics too; the
 * Anomalies panel says what changed nearby from the alerts, deployments and runs lists.
 */
function changedBy(panel: PanelKey): PanelKey[] | "all" {
  if (panel === "sources") return "all";
  if (panel === "alerts") return ["alerts", "metrics", "anomalies"];
  if (panel === "deployments" || panel === "pipelines") return [panel, "anomalies"];
  return [panel];
}

/**
 * Applies one server frame. The socket is same-origin and the server validated everything
 * it stored, so only the frame's shape is checked here; frames with `seq` at or below the
 * last applied one (replays after a resume) and types this client does not know are ignored.
 * @example applyFrame(state, JSON.parse(event.data))
 */
export function applyFrame(state: LiveState, frame: unknown): FrameResult {
  if (!isRecord(frame) || typeof frame.type !== "string") return IGNORED;
  const { type, payload, seq } = frame;
  if (type === "error") {
    const message = isRecord(payload) && typeof payload.message === "string" ? payload.message : "";
    return { kind: "error", message: message || "The server reported an error." };
  }
  if (type === "snapshot") {
    // A snapshot is the whole truth as of its seq, even one older than ours (a reset server).
    if (!isRecord(payload) || !isRecord(payload.workspace)) return IGNORED;
    const snapshot = payload as Snapshot;
    return {
      kind: "applied",
      state: {
        snapshot: { ...snapshot, seq: typeof seq === "number" ? seq : snapshot.seq },
        polledAt: {},
      },
      changed: "all",
    };
  }
  if (typeof seq !== "number" || seq <= state.snapshot.seq) return IGNORED;
  const next = (panel: PanelKey, snapshot: Snapshot): FrameResult => {
    const polledAt = { ...state.polledAt };
    delete polledAt[panel];
    return {
      kind: "applied",
      state: { snapshot: { ...snapshot, seq }, polledAt },
      changed: changedBy(panel),
    };
  };
  if (isListPanelType(type)) {
    if (!Array.isArray(payload)) return IGNORED;
    const panel = LIST_PANEL[type];
    return next(panel, { ...state.snapshot, [panel]: payload });
  }
  if (type === "pipeline") {
    if (!withId(payload)) return IGNORED;
    const run = payload as Pipeline;
    const others = state.snapshot.pipelines.filter((p) => p.id !== run.id);
    const known = others.length < state.snapshot.pipelines.length;
    const pipelines = known
      ? state.snapshot.pipelines.map((p) => (p.id === run.id ? run : p))
      : [run, ...others].slice(0, LIST_CAPS.pipelines);
    return next("pipelines", { ...state.snapshot, pipelines });
  }
  if (type === "activity") {
    if (!Array.isArray(payload)) return IGNORED;
    const fresh = payload.filter(withId) as Snapshot["activity"];
    const ids = new Set(fresh.map((a) => a.id));
    const activity = [...fresh, ...state.snapshot.activity.filter((a) => !ids.has(a.id))];
    return next("activity", { ...state.snapshot, activity: activity.slice(0, LIST_CAPS.activity) });
  }
  // `ping`, `pong` and types from a newer server: nothing to apply, and never an error.
  return IGNORED;
}

/** A list fetched from the read API while the socket is down: shown, and marked as polled. */
export function applyPolled(
  state: LiveState,
  panel: PanelKey,
  items: unknown[],
  at: string,
): LiveState {
  return {
    snapshot: { ...state.snapshot, [panel]: items },
    polledAt: { ...state.polledAt, [panel]: at },
  };
}
