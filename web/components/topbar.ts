import type { Principal, Snapshot, TimeRange } from "../../schema";
import { h } from "preact";
import { html } from "../html";
import { Age } from "./common";
import { ConnectionBadge } from "./connection";
import { RANGES } from "./chart";
import { paths } from "./paths";
import { can } from "./roles";

export type Theme = "light" | "dark";

/** Alerts that still need someone (firing, not acknowledged) and incidents not resolved. */
export function attention(snapshot: Snapshot) {
  const alerts = snapshot.alerts.filter((a) => a.status === "firing" && !a.acknowledged);
  const incidents = snapshot.incidents.filter((i) => i.status !== "resolved");
  return { alerts, incidents };
}

/**
 * The notifications bell. Unread: items newer than the person's last "mark all read"
 * (`seenAt`, a cookie, so the server draws the same count as the client).
 */
export function Bell(props: { snapshot: Snapshot; seenAt?: number; now: number }) {
  const p = paths(props.snapshot.workspace.id);
  const { alerts, incidents } = attention(props.snapshot);
  const seen = props.seenAt ?? 0;
  const unread =
    alerts.filter((a) => Date.parse(a.lastSeen) > seen).length +
    incidents.filter((i) => Date.parse(i.updatedAt) > seen).length;
  const label = `Notifications: ${unread} unread`;
  const items = [
    ...alerts.slice(0, 8).map((a) => ({
      key: `a:${a.id}`,
      href: p.alert(a.id),
      title: a.title,
      meta: `alert · ${a.severity}`,
      at: a.lastSeen,
    })),
    ...incidents.slice(0, 5).map((i) => ({
      key: `i:${i.id}`,
      href: p.incident(i.id),
      title: i.title,
      meta: `incident · ${i.status}`,
      at: i.updatedAt,
    })),
  ];
  return html`<details class="menu bell">
    <summary aria-label=${label} title=${label}>
      <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6v-5a7 7 0 0 0-5-6.71V3.5a2 2 0 0 0-4 0v.79A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
        />
      </svg>
      <span class="bell-count" data-count=${unread} aria-hidden="true">${unread}</span>
    </summary>
    <ul class="menu-list">
      <li class="menu-head">
        ${alerts.length} unacknowledged ${alerts.length === 1 ? "alert" : "alerts"},
        ${" "}${incidents.length} open ${incidents.length === 1 ? "incident" : "incidents"}
      </li>
      ${items.length === 0 ? html`<li class="menu-head">Nothing needs attention.</li>` : null}
      ${items.map(
        (item) =>
          html`<li key=${item.key}>
            <a href=${item.href} data-modal=""
              ><span>${item.title}</span
              ><small>${item.meta} · <${Age} at=${item.at} now=${props.now} /></small
            ></a>
          </li>`,
      )}
      <li class="sep"></li>
      <li class="needs-js"><button type="button" data-action="mark-read">Mark all read</button></li>
    </ul>
  </details>`;
}

export function TopBar(props: {
  snapshot: Snapshot;
  principal: Principal;
  theme?: Theme;
  seenAt?: number;
  now: number;
  back: string;
}) {
  const { snapshot, principal } = props;
  const p = paths(snapshot.workspace.id);
  const next: Theme = props.theme === "dark" ? "light" : "dark";
  return html`<header class="topbar">
    <a class="skip" href="#app">Skip to the panels</a>
    <div class="brand">
      <a href=${p.base}>Opsdeck</a>
      <h1>${snapshot.workspace.name}</h1>
    </div>
    <div id="connection" aria-live="polite">${h(ConnectionBadge, { state: "static" })}</div>
    <div class="top-actions">
      <form class="theme-toggle" method="post" action="/theme">
        <input type="hidden" name="back" value=${props.back} />
        <button
          class="icon-button"
          type="submit"
          name="theme"
          value=${next}
          data-action="theme"
          aria-label="Switch between light and dark theme"
          title="Switch between light and dark theme"
        >
          <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2" />
            <path fill="currentColor" d="M12 3a9 9 0 0 0 0 18Z" />
          </svg>
        </button>
      </form>
      <div id="bell">
        <${Bell} snapshot=${snapshot} seenAt=${props.seenAt} now=${props.now} />
      </div>
      <details class="menu user">
        <summary class="who">${principal.name} (${principal.role})</summary>
        <ul class="menu-list">
          <li class="menu-head">Signed in as ${principal.name} · ${principal.role}</li>
          <li><a href=${`${p.base}/me`}>Profile</a></li>
          <li><a href=${p.members}>Members</a></li>
          <li><a href=${p.settings()}>Settings</a></li>
          <li>
            <form method="post" action=${`${p.base}/logout`} class="logout">
              <button type="submit">Sign out</button>
            </form>
          </li>
        </ul>
      </details>
    </div>
  </header>`;
}

/** Time range for every chart and metric change; Refresh runs the collectors now. */
export function FilterBar(props: { workspace: string; range: TimeRange; role: Principal["role"] }) {
  const p = paths(props.workspace);
  return html`<div class="filters">
    <nav class="segmented" aria-label="Time range for all charts and changes">
      ${RANGES.map(
        (r) =>
          html`<a
            href=${`${p.base}?range=${r}`}
            data-range=${r}
            aria-current=${r === props.range ? "true" : undefined}
            >${r}</a
          >`,
      )}
    </nav>
    <span class="spacer"></span>
    ${
      can(props.role, "operator")
        ? html`<form
            method="post"
            action=${`${p.base}/refresh`}
            data-api=${p.api("refresh")}
            data-method="POST"
            data-done="Collectors ran."
            class="action"
          >
            <button type="submit">↻ Refresh</button>
          </form>`
        : null
    }
  </div>`;
}
