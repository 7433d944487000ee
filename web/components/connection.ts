import { html } from "../html";

/**
 * `static`: what the server renders (a snapshot as of page load); the client takes over at
 * once with `connecting`. `offline` is shown while the page polls the API instead.
 */
export type ConnectionState =
  | "static"
  | "connecting"
  | "live"
  | "reconnecting"
  | "offline"
  | "signed-out";

const LABELS: Record<ConnectionState, string> = {
  static: "snapshot as of page load",
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  offline: "offline",
  "signed-out": "signed out",
};

export function ConnectionBadge(props: {
  state: ConnectionState;
  detail?: string;
  loginHref?: string;
}) {
  return html`<span class="connection" data-state=${props.state}>
    <span class="dot" aria-hidden="true"></span>
    <span class="state">${LABELS[props.state]}</span>
    ${props.detail ? html`<span class="detail"> · ${props.detail}</span>` : null}
    ${props.loginHref ? html` · <a href=${props.loginHref}>sign in again</a>` : null}
  </span>`;
}
