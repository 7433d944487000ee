import type { Invitation, Role } from "../../schema";
import { Age } from "../components/common";
import { ActionButton } from "../components/menu";
import { paths } from "../components/paths";
import { html } from "../html";

const ROLES: Role[] = ["viewer", "operator", "admin"];

/**
 * Invite by email and role. Sent by web/client/people.ts (not the generic action forms): the
 * answer's link is shown once, with its expiry and a copy button, and never stored in the page.
 */
export function InviteForm(props: { workspace: string }) {
  return html`<section id="invite">
    <h3>Invite someone</h3>
    <form
      class="form needs-js"
      id="invite-form"
      data-people="invite"
      data-url=${paths(props.workspace).api("invitations")}
    >
      <div class="field">
        <label for="invite-email">Email address</label>
        <input id="invite-email" name="email" type="email" required maxlength="254" />
      </div>
      <div class="field">
        <label for="invite-role">Role</label>
        <select id="invite-role" name="role">
          ${ROLES.map((r) => html`<option value=${r} selected=${r === "viewer"}>${r}</option>`)}
        </select>
      </div>
      <div class="inline"><button type="submit" class="primary">Invite</button></div>
      <output class="result" role="status"></output>
    </form>
    <div id="invite-link" hidden>
      <p>
        Send this link to the invitee; it is shown only now, works once and expires
        <strong data-expires=""></strong>.
      </p>
      <p class="inline">
        <code data-link=""></code>
        <button type="button" data-people="copy">Copy link</button>
      </p>
    </div>
  </section>`;
}

/** Open invitations (never their secrets), each revocable. */
export function InvitationsList(props: {
  workspace: string;
  invitations: Invitation[];
  now: number;
}) {
  return html`<section id="invitations">
    <h3>Open invitations</h3>
    ${
      props.invitations.length === 0
        ? html`<p class="empty">No open invitations.</p>`
        : html`<ol class="rows">
            ${props.invitations.map(
              (i) =>
                html`<li class="row" id=${`invitation-${i.id}`}>
                  <div class="row-head">
                    <strong>${i.email}</strong>
                    <span class="meta"> ${i.role} · expires ${i.expiresAt}</span>
                  </div>
                  <p class="meta">invited <${Age} at=${i.createdAt} now=${props.now} /></p>
                  <${ActionButton}
                    url=${paths(props.workspace).api(`invitations/${i.id}`)}
                    method="DELETE"
                    label=${`Revoke invitation for ${i.email}`}
                    done="Revoked: the link no longer works."
                    danger=${true}
                    after="reload"
                  />
                </li>`,
            )}
          </ol>`
    }
  </section>`;
}
