import type { Theme } from "../components/topbar";
import { html } from "../html";
import { Layout } from "../layout";

/**
 * The page an invitation link opens: the invitee picks the name their actions will show, and
 * their browser creates a passkey (/assets/passkey.js); only a verified passkey accepts the
 * invitation. The secret stays in a hidden field (no Referer leaves for other sites).
 */
export function JoinPage(props: {
  workspace: string;
  invitation: string;
  error?: string;
  theme?: Theme;
}) {
  return html`<${Layout}
    title=${`Join · ${props.workspace} · Opsdeck`}
    theme=${props.theme}
    scripts=${["/assets/passkey.js"]}
  >
    <main class="login" data-passkey-workspace=${props.workspace}>
      <h1>Opsdeck</h1>
      <p>Join workspace <strong>${props.workspace}</strong> with a passkey.</p>
      ${props.error ? html`<p class="error" role="alert">${props.error}</p>` : null}
      <form method="post" action=${`/w/${props.workspace}/join`} data-passkey-join>
        <input type="hidden" name="invitation" value=${props.invitation} />
        <label for="name">Your name, as your team will see it</label>
        <input id="name" name="name" autocomplete="name" maxlength="100" required />
        <button type="submit" class="primary">Create a passkey and join</button>
      </form>
    </main>
  <//>`;
}
