import { h, render } from "preact";
import type { Role, TimeRange } from "../../schema";
import { ConnectionBadge } from "../components/connection";
import type { RowNotes } from "../components/menu";
import { PANELS, PanelContent } from "../components/panels";
import { Bell } from "../components/topbar";
import type { PanelKey } from "../components/types";
import type { LinkStatus } from "./link";
import type { LiveState } from "./state";
import { toast } from "./ui";

const ALL_PANELS: PanelKey[] = ["sources", ...PANELS.map((p) => p.key)];

/** What the page shows besides the data: who is looking, the range, action results. */
export type ViewContext = { role: Role; range: TimeRange; notes: RowNotes; seenAt?: number };

/**
 * Draws into the server-rendered page with the same components the server used. Each panel
 * `<section>` is its own render root, so a frame redraws only the panel it changed.
 */
export class View {
  constructor(
    private readonly doc: Document,
    private readonly loginHref: string,
    readonly ctx: ViewContext,
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
            role: this.ctx.role,
            range: this.ctx.range,
            notes: this.ctx.notes,
            polledAt: state.polledAt[panel],
          }),
          root,
        );
      } catch (error) {
        // One malformed record must not take the other panels (or the socket) down with it.
        console.warn(`opsdeck: could not draw ${panel}`, error);
      }
    }
    if (changed === "all" || changed.includes("alerts") || changed.includes("incidents"))
      this.bell(state, now);
  }

  bell(state: LiveState, now = Date.now()): void {
    const root = this.doc.getElementById("bell");
    if (!root) return;
    render(h(Bell, { snapshot: state.snapshot, seenAt: this.ctx.seenAt, now }), root);
  }

  status(status: LinkStatus): void {
    const root = this.doc.getElementById("connection");
    if (!root) return;
    const loginHref = status.state === "signed-out" ? this.loginHref : undefined;
    render(h(ConnectionBadge, { ...status, loginHref }), root);
    this.doc.body.dataset.connection = status.state;
  }

  notice(message: string | undefined): void {
    if (message) toast(message, false);
  }
}
