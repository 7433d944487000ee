// Passkey ceremonies on the join and sign-in pages: the server's options go to the browser's
// WebAuthn API (through @simplewebauthn/browser), and the authenticator's answer back to the
// server, which alone decides. Loaded only on those two pages.
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";

type Options<T> = { challengeId: string; options: T };

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = (await res.json().catch(() => ({}))) as { detail?: string };
  if (!res.ok) throw new Error(data.detail ?? `The server answered ${res.status}.`);
  return data as T;
}

function say(form: HTMLElement, message: string): void {
  let p = form.parentElement?.querySelector<HTMLElement>("p.error");
  if (!p) {
    p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    form.before(p);
  }
  p.textContent = message;
}

const explain = (error: unknown) =>
  error instanceof Error && error.name === "NotAllowedError"
    ? "The passkey prompt was closed or timed out; try again."
    : error instanceof Error && error.name === "SecurityError"
      ? "Passkeys need a domain name, not an IP address: open this page at its domain (locally, http://localhost)."
      : error instanceof Error
        ? error.message
        : String(error);

/** The join form: the name, then a new passkey, and only a verified one accepts the invitation. */
function wireJoin(form: HTMLFormElement, workspace: string): void {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!browserSupportsWebAuthn())
      return say(form, "This browser cannot create passkeys; use one that can.");
    const data = new FormData(form);
    const token = String(data.get("invitation") ?? "");
    const name = String(data.get("name") ?? "").trim();
    const api = `/w/${workspace}/api/invitations/accept`;
    try {
      const start = await post<Options<PublicKeyCredentialCreationOptionsJSON>>(
        `${api}/passkey-options`,
        { token, name },
      );
      const response = await startRegistration({ optionsJSON: start.options });
      await post(`${api}/passkey`, { challengeId: start.challengeId, response });
      location.assign(`/w/${workspace}`);
    } catch (error) {
      say(form, explain(error));
    }
  });
}

/** "Sign in with a passkey": any discoverable credential for this site. */
function wireSignIn(button: HTMLButtonElement, workspace: string): void {
  button.addEventListener("click", async () => {
    const api = `/w/${workspace}/api/passkeys/sign-in`;
    try {
      const start = await post<Options<PublicKeyCredentialRequestOptionsJSON>>(
        `${api}/options`,
        {},
      );
      const response = await startAuthentication({ optionsJSON: start.options });
      await post(api, { challengeId: start.challengeId, response });
      location.assign(`/w/${workspace}`);
    } catch (error) {
      say(button, explain(error));
    }
  });
}

const root = document.querySelector<HTMLElement>("[data-passkey-workspace]");
const workspace = root?.dataset.passkeyWorkspace;
if (root && workspace) {
  const join = document.querySelector<HTMLFormElement>("form[data-passkey-join]");
  if (join) wireJoin(join, workspace);
  const signIn = document.querySelector<HTMLButtonElement>("button[data-passkey-sign-in]");
  if (signIn) wireSignIn(signIn, workspace);
}
