import type { ChannelStatus, NotificationsView } from "../../schema";
import { Age } from "../components/common";
import { ActionButton } from "../components/menu";
import { paths } from "../components/paths";
import { html } from "../html";

const NAMES: Record<ChannelStatus["channel"], string> = {
  slack: "Slack",
  webhook: "Signed webhook",
  email: "Email",
};

/** The email toggle, disabled: there is no provider, so claiming delivery would be false. */
export function EmailUnavailable(props: { checked: boolean }) {
  return html`<div class="inline">
    <input
      type="checkbox"
      id="n-email"
      name="notifications.email"
      checked=${props.checked}
      disabled
      aria-describedby="n-email-why"
    />
    <label for="n-email">Email</label>
    <span class="meta" id="n-email-why"
      >Email is not delivered: this deployment has no email provider.</span
    >
  </div>`;
}

function State(props: { c: ChannelStatus; now: number }) {
  const { c, now } = props;
  const failing = c.lastErrorAt !== undefined && c.lastErrorAt >= (c.lastSuccessAt ?? "");
  return html`${c.active ? "on" : `off (${c.reason ?? "unknown"})`}${
    c.lastSuccessAt ? html` · last delivered <${Age} at=${c.lastSuccessAt} now=${now} />` : null
  }${
    failing && c.lastError
      ? html`<br /><span class="error"
            >last error <${Age} at=${c.lastErrorAt} now=${now} />: ${c.lastError}</span
          >`
      : null
  }`;
}

/**
 * Each channel: on or why not, last delivery and error, queue, and (admins) Send test, whose
 * answer (the provider's) is reported in place.
 */
export function ChannelTable(props: {
  workspace: string;
  view: NotificationsView;
  admin: boolean;
  now: number;
}) {
  const p = paths(props.workspace);
  return html`<div class="scroll">
    <table class="channels">
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">Status</th>
          <th scope="col">Queued</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${props.view.channels.map(
          (c) =>
            html`<tr data-id=${c.channel}>
              <td>${NAMES[c.channel]}${c.host ? html` <code>${c.host}</code>` : null}</td>
              <td>
                ${
                  c.channel === "email"
                    ? html`<span class="meta">not available: ${c.reason}</span>`
                    : html`<${State} c=${c} now=${props.now} />`
                }
              </td>
              <td class="num">
                ${c.channel === "email" ? "—" : `${c.pending}${c.dropped ? ` (${c.dropped} dropped)` : ""}`}
              </td>
              <td>
                ${
                  props.admin && c.channel !== "email"
                    ? html`<${ActionButton}
                        label="Send test"
                        url=${p.api("notifications/test")}
                        body=${JSON.stringify({ channel: c.channel })}
                        done=${`${NAMES[c.channel]} accepted the test message.`}
                      />`
                    : null
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
