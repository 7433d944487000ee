// The dashboard's live client: starts from the snapshot the server embedded in the page,
// then applies socket frames (or polled reads while the socket is down) panel by panel.
import type { Snapshot } from "../../schema";
import { LiveLink, type PollOutcome } from "./link";
import { pollReads } from "./poll";
import { applyFrame, applyPolled, type LiveState } from "./state";
import { View } from "./view";

/** Ages ("12 s ago") are redrawn on this beat; data changes redraw at once. */
const CLOCK_MS = 5_000;

function readSnapshot(): Snapshot | undefined {
  const island = document.getElementById("snapshot");
  if (!island?.textContent) return undefined;
  try {
    return JSON.parse(island.textContent) as Snapshot;
  } catch {
    return undefined;
  }
}

function main(): void {
  const initial = readSnapshot();
  if (!initial) return;
  const base = `/w/${encodeURIComponent(initial.workspace.id)}`;
  const view = new View(document, `${base}/login`);
  let state: LiveState = { snapshot: initial, polledAt: {} };

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
    view.panels(state, result.changed);
  };

  const poll = async (): Promise<PollOutcome> => {
    const result = await pollReads(base);
    if (result.kind !== "ok") return result.kind;
    const at = new Date().toISOString();
    for (const [panel, items] of result.lists) state = applyPolled(state, panel, items, at);
    view.panels(state, "all");
    return "ok";
  };

  const link = new LiveLink({
    base,
    // After polling, resuming from the old seq would leave the polled panels marked as
    // polled; a fresh snapshot makes every panel live again.
    lastSeq: () => (Object.keys(state.polledAt).length > 0 ? undefined : state.snapshot.seq),
    onText,
    poll,
    onStatus: (status) => {
      view.status(status);
      if (status.state === "live") view.notice(undefined);
    },
  });
  view.panels(state, "all");
  setInterval(() => view.panels(state, "all"), CLOCK_MS);
  link.start();
}

main();
