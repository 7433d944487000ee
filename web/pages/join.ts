import type { Theme } from "../components/topbar";
import { html } from "../html";
import { Layout } from "../layout";

/**
 * The page an invitation link opens: the invitee picks the name their actions will show and
 * joins. The secret stays in a hidden field (no Referer leaves for other sites); passkey registration
 * will join this form next.
 */
export function JoinPage(props: {
  workspace: string;
  invitation: string;
  error?: string;
  theme?: Theme;
}) {
  return html`<${Layout} title=${`Join · ${props.workspace} · Opsdeck`} theme=${props.theme}>
    <main class="login">
      <h1>Opsdeck</h1>
      <p>Join workspace <strong>${props.workspace}</strong>.</p>
      ${props.error ? html`<p class="error" role="alert">${props.error}</p>` : null}
      <form method="post" action=${`/w/${props.workspace}/join`}>
        <input type="hidden" name="invitation" value=${props.invitation} />
        <label for="name">Your name, as your team will see it</label>
        <input id="name" name="name" autocomplete="name" maxlength="100" required />
        <button type="submit" class="primary">Join</button>
      </form>
    </main>
  <//>`;
}
