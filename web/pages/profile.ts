import type { Me, MemberSession, Passkey } from "../../schema";
import { Age } from "../components/common";
import { ActionButton } from "../components/menu";
import { paths } from "../components/paths";
import { html } from "../html";
import { Facts } from "./detail";

/** One's passkeys, each removable (the last sign-in method is refused: 409 shown in place). */
function Passkeys(props: { workspace: string; passkeys: Passkey[]; now: number }) {
  const api = paths(props.workspace).api;
  return html`<section id="passkeys">
    <h3>Passkeys</h3>
    ${
      props.passkeys.length === 0
        ? html`<p class="empty">No passkeys yet.</p>`
        : html`<ol class="rows">
            ${props.passkeys.map(
              (k) =>
                html`<li class="row" id=${`passkey-${k.id}`}>
                  <div class="row-head"><strong>${k.name}</strong></div>
                  <p class="meta">
                    added <${Age} at=${k.createdAt} now=${props.now} />${
                      k.lastUsedAt
                        ? html` · last used <${Age} at=${k.lastUsedAt} now=${props.now} />`
                        : null
                    }
                  </p>
                  <${ActionButton}
                    url=${api(`me/passkeys/${k.id}`)}
                    method="DELETE"
                    label=${`Remove passkey ${k.name}`}
                    done="Passkey removed."
                    danger=${true}
                    after="reload"
                  />
                </li>`,
            )}
          </ol>`
    }
    <form
      class="form needs-js"
      id="passkey-add"
      data-people="passkey-add"
      data-base=${paths(props.workspace).base}
    >
      <div class="field">
        <label for="passkey-name">Name of the new passkey (e.g. "laptop")</label>
        <input id="passkey-name" name="name" required maxlength="60" />
      </div>
      <div class="inline"><button type="submit" class="primary">Add a passkey</button></div>
      <output class="result" role="status"></output>
    </form>
  </section>`;
}

/** One's own sessions, and "sign out everywhere" (this browser too: back to sign-in). */
function Sessions(props: { workspace: string; sessions: MemberSession[]; now: number }) {
  return html`<section id="sessions">
    <h3>Sessions</h3>
    <ol class="rows">
      ${props.sessions.map(
        (s) =>
          html`<li class="row">
            <div class="row-head">
              <strong>${s.userAgent || "Unknown browser"}</strong>
              ${s.current ? html`<span class="meta"> · this browser</span>` : null}
            </div>
            <p class="meta">
              signed in <${Age} at=${s.createdAt} now=${props.now} /> · last seen
              <${Age} at=${s.lastSeenAt} now=${props.now} />
            </p>
          </li>`,
      )}
    </ol>
    <${ActionButton}
      url=${paths(props.workspace).api("me/sessions")}
      method="DELETE"
      label="Sign out everywhere"
      done="Signed out everywhere."
      confirm="Really sign out every session, this one too?"
      danger=${true}
      after="reload"
    />
  </section>`;
}

/**
 * The profile page (`/w/:ws/me`): who one is here, one's passkeys (add, remove) and sessions.
 * A token caller has no member record: only the actor and role.
 */
export function ProfileView(props: {
  workspace: string;
  me: Me;
  passkeys: Passkey[];
  sessions: MemberSession[];
  now: number;
}) {
  const m = props.me.member;
  return html`<article>
    <div class="detail-head"><h2 id="detail-title">Profile</h2></div>
    <${Facts}
      rows=${[
        ["Name", m?.name ?? props.me.actor.name],
        ["Email", m?.email],
        ["Role", props.me.role],
        !m && ["Signed in with", "an API token (no member profile)"],
      ]}
    />
    ${
      m
        ? html`<${Passkeys}
              workspace=${props.workspace}
              passkeys=${props.passkeys}
              now=${props.now}
            />
            <${Sessions}
              workspace=${props.workspace}
              sessions=${props.sessions}
              now=${props.now}
            />`
        : null
    }
  </article>`;
}
