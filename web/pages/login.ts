import type { Theme } from "../components/topbar";
import { html } from "../html";
import { Layout } from "../layout";

export function LoginPage(props: {
  workspace: string;
  error?: string;
  theme?: Theme;
  /** Single sign-on is enabled: offer it first (a plain link, no JavaScript). */
  sso?: boolean;
}) {
  return html`<${Layout}
    title=${`Sign in · ${props.workspace} · Opsdeck`}
    theme=${props.theme}
    scripts=${["/assets/passkey.js"]}
  >
    <main class="login" data-passkey-workspace=${props.workspace}>
      <h1>Opsdeck</h1>
      <p>Sign in to workspace <strong>${props.workspace}</strong>.</p>
      ${props.error ? html`<p class="error" role="alert">${props.error}</p>` : null}
      ${
        props.sso
          ? html`<p>
              <a class="button primary" href=${`/w/${props.workspace}/auth/oidc/start`}
                >Sign in with SSO</a
              >
            </p>`
          : null
      }
      <button type="button" class="primary" data-passkey-sign-in>Sign in with a passkey</button>
      <p>Or with an API token:</p>
      <form method="post" action=${`/w/${props.workspace}/login`}>
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  <//>`;
}
