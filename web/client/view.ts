import { h, render } from "preact";
import { ConnectionBadge } from "../components/connection";
import { PANELS, PanelContent } from "../components/panels";
import type { PanelKey } from "../components/types";
import type { LinkStatus } from "./link";
import type { LiveState } from "./state";

const ALL_PANELS: PanelKey[] = ["sources", ...PANELS.map((p) => p.key)];

/**
 * Draws into the server-rendered page with the same components the server used. Each panel
 * `<section>` is its own render root, so a frame redraws only the panel it changed.
 */
export class View {
  constructor(
    private readonly doc: Document,
    private readonly loginHref: string,
  ) {}

  panels(state: LiveState, changed: PanelKey[] | "all", now = Date.now()): void {
    for (const panel of changed === "all" ? ALL_PANELS : changed) {
      const root = this.doc.getElementById(`panel-${panel}`);
      if (!root) continue;
      try {
        render(
          h(PanelContent, {
            panel,
            snapshot: state.snapshot,
            now,
            polledAt: state.polledAt[panel],
          }),
          root,
        );
      } catch (error) {
        // One malformed record must not take the other panels (or the socket) down with it.
        console.warn(`opsdeck: could not draw ${panel}`, error);
      }
    }
  }

  status(status: LinkStatus): void {
    const root = this.doc.getElementById("connection");
    if (!root) return;
    const loginHref = status.state === "signed-out" ? this.loginHref : undefined;
    render(h(ConnectionBadge, { ...status, loginHref }), root);
    this.doc.body.dataset.connection = status.state;
  }

  notice(message: string | undefined): void {
    const root = this.doc.getElementById("notice");
    if (!root) return;
    root.textContent = message ?? "";
    root.hidden = !message;
  }
}
