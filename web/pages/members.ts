import type { Member, MemberSummary, Role } from "../../schema";
import { Age } from "../components/common";
import { html } from "../html";

/**
 * The workspace's members: who the names on acknowledgements, notes and timelines are. Every
 * member sees names and roles; an admin also sees addresses and when each was last seen
 * (members are managed through `api/members` and `api/invitations`).
 */
export function MembersView(props: {
  members: (Member | MemberSummary)[];
  role: Role;
  now: number;
}) {
  if (props.members.length === 0)
    return html`<p class="empty">No members yet: an admin invites people by email address.</p>`;
  return html`<ol class="rows members">
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
        </li>`,
    )}
  </ol>`;
}
