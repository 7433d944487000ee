import type { Invitation, Member, MemberSummary, Role } from "../../schema";
import { Age } from "../components/common";
import { ActionButton, ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { html } from "../html";
import { InviteForm, InvitationsList } from "./members-admin";

const ROLES: Role[] = ["viewer", "operator", "admin"];

/** An admin's controls on one member row: role and disable/enable (refusals shown in place). */
function MemberControls(props: { workspace: string; member: Member | MemberSummary }) {
  const m = props.member;
  const url = paths(props.workspace).api(`members/${m.id}`);
  const id = `role-${m.id}`;
  return html`<div class="inline member-controls">
    <${ActionForm} url=${url} method="PATCH" done="Role changed." submit="Change role">
      <div class="field">
        <label for=${id}>Role of ${m.name}</label>
        <select id=${id} name="role">
          ${ROLES.map((r) => html`<option value=${r} selected=${r === m.role}>${r}</option>`)}
        </select>
      </div>
    <//>
    <${ActionButton}
      url=${url}
      method="PATCH"
      label=${m.disabledAt ? `Enable ${m.name}` : `Disable ${m.name}`}
      done=${m.disabledAt ? "Enabled." : "Disabled: their sessions ended."}
      confirm=${m.disabledAt ? undefined : `Really disable ${m.name}?`}
      danger=${!m.disabledAt}
      body=${JSON.stringify({ disabled: !m.disabledAt })}
    />
  </div>`;
}

/**
 * The workspace's members: who the names on acknowledgements, notes and timelines are. Every
 * member sees names and roles; an admin also sees addresses and when each was last seen, and
 * gets the controls (change role, disable/enable), the invitation form and open invitations.
 * On an admin's page `#member-list` is redrawn from the server when a `members` frame arrives
 * (web/client/people.ts); the others' pages open no socket (names and roles rarely change).
 */
export function MembersView(props: {
  members: (Member | MemberSummary)[];
  role: Role;
  now: number;
  workspace?: string;
  invitations?: Invitation[];
}) {
  const admin = props.role === "admin" && props.workspace !== undefined;
  const list =
    props.members.length === 0
      ? html`<p class="empty">No members yet: an admin invites people by email address.</p>`
      : html`<ol class="rows members">
          ${props.members.map(
            (m) =>
              html`<li class="row" id=${`member-${m.id}`}>
                <div class="row-head">
                  <strong>${m.name}</strong>
                  <span class="meta"> ${m.role}${m.disabledAt ? " · disabled" : ""}</span>
                </div>
                ${
                  "email" in m && props.role === "admin"
                    ? html`<p class="meta">
                        ${m.email} · last seen <${Age} at=${m.lastSeenAt} now=${props.now} />
                      </p>`
                    : null
                }
                ${admin ? html`<${MemberControls} workspace=${props.workspace} member=${m} />` : null}
              </li>`,
          )}
        </ol>`;
  return html`<div data-people-live=${admin ? "members" : undefined}>
    <h2>Members</h2>
    <div id="member-list">${list}</div>
    ${
      admin && props.workspace
        ? html`<${InviteForm} workspace=${props.workspace} />
            <${InvitationsList}
              workspace=${props.workspace}
              invitations=${props.invitations ?? []}
              now=${props.now}
            />`
        : null
    }
  </div>`;
}
