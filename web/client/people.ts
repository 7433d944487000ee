// The members and profile pages' own client (after /assets/live.js, which runs the generic
// action forms): the invitation whose link is shown once, the members list redrawn when a
// `members` frame arrives, and adding a passkey (WebAuthn through @simplewebauthn/browser).
import {
  browserSupportsWebAuthn,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
} from "@simplewebauthn/browser";
import { problemText } from "./actions";
import { LiveLink } from "./link";

type Answer = { ok: boolean; status: number; body: unknown };

async function send(url: string, method: string, body: unknown): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data: unknown = await res.json().catch(() => undefined);
    return { ok: res.ok, status: res.status, body: data };
  } catch {
    return { ok: false, status: 0, body: { detail: "The server could not be reached." } };
  }
}

function say(form: HTMLFormElement, ok: boolean, text: string): void {
  const output = form.querySelector("output");
  if (!output) return;
  output.dataset.ok = String(ok);
  output.textContent = text;
}

const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? "");

/** Invite: the link comes back once; it is shown with its expiry and a copy button. */
function wireInvite(form: HTMLFormElement): void {
  const box = document.getElementById("invite-link");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await send(form.dataset.url!, "POST", {
      email: field(form, "email").trim(),
      role: field(form, "role"),
    });
    if (!answer.ok) return say(form, false, problemText(answer.status, answer.body));
    const invitation = Reflect.get(answer.body as object, "invitation") as
      | { link: string; expiresAt: string; email: string }
      | undefined;
    if (!invitation || !box) return;
    say(form, true, `Invited ${invitation.email}.`);
    box.querySelector("[data-link]")!.textContent = invitation.link;
    box.querySelector("[data-expires]")!.textContent = new Date(
      invitation.expiresAt,
    ).toLocaleString();
    box.hidden = false;
    form.reset();
    void refresh("#invitations");
  });
  box?.querySelector("[data-people=copy]")?.addEventListener("click", async (event) => {
    const link = box.querySelector("[data-link]")?.textContent ?? "";
    const button = event.currentTarget as HTMLButtonElement;
    try {
      await navigator.clipboard.writeText(link);
      button.textContent = "Copied";
    } catch {
      // No clipboard permission: select the text so a keyboard copy works.
      const range = document.createRange();
      range.selectNodeContents(box.querySelector("[data-link]")!);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      button.textContent = "Select and copy";
    }
  });
}

/** Redraws sections from the server's current page (role-checked there, not here). */
async function refresh(...selectors: string[]): Promise<void> {
  const res = await fetch(location.pathname, {
    credentials: "same-origin",
    headers: { "X-Opsdeck-Fragment": "1" },
  }).catch(() => undefined);
  if (!res?.ok) return;
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  for (const selector of selectors) {
    const fresh = doc.querySelector(selector);
    const old = document.querySelector(selector);
    // Leave a section alone while one of its forms shows a result.
    if (!fresh || !old || old.querySelector("output.result:not(:empty)")) continue;
    old.replaceWith(document.importNode(fresh, true));
  }
}

/** Live members: any `members` frame (a role changed, someone joined or was disabled). */
function liveMembers(workspace: string, root: HTMLElement): void {
  const link = new LiveLink({
    base: `/w/${encodeURIComponent(workspace)}`,
    lastSeq: () => undefined,
    onText: (text) => {
      let type: unknown;
      try {
        type = Reflect.get(JSON.parse(text) as object, "type");
      } catch {
        return;
      }
      // Someone joined (an invitation was used up), a role changed, a member was disabled.
      if (type === "members") void refresh("#member-list", "#invitations");
    },
    // The socket's state on the page (tests and the curious wait for "live").
    onStatus: (status) => {
      root.dataset.link = status.state;
    },
    poll: async () => "ok",
  });
  link.start();
}

/** Add a passkey: options for a name, the browser's ceremony, the server verifies. */
function wirePasskeyAdd(form: HTMLFormElement): void {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!browserSupportsWebAuthn())
      return say(form, false, "This browser cannot create passkeys; use one that can.");
    const api = `${form.dataset.base}/api/me/passkeys`;
    const start = await send(`${api}/options`, "POST", { name: field(form, "name").trim() });
    if (!start.ok) return say(form, false, problemText(start.status, start.body));
    const { challengeId, options } = start.body as {
      challengeId: string;
      options: PublicKeyCredentialCreationOptionsJSON;
    };
    let response: unknown;
    try {
      response = await startRegistration({ optionsJSON: options });
    } catch (error) {
      const text =
        error instanceof Error && error.name === "NotAllowedError"
          ? "The passkey prompt was closed or timed out; try again."
          : error instanceof Error && error.name === "InvalidStateError"
            ? "This authenticator already holds one of your passkeys here; use another one."
            : error instanceof Error
              ? error.message
              : String(error);
      return say(form, false, text);
    }
    const done = await send(api, "POST", { challengeId, response });
    if (!done.ok) return say(form, false, problemText(done.status, done.body));
    sessionStorage.setItem("opsdeck:flash", "Passkey added.");
    location.reload();
  });
}

const invite = document.querySelector<HTMLFormElement>("form[data-people=invite]");
if (invite) wireInvite(invite);
const add = document.querySelector<HTMLFormElement>("form[data-people=passkey-add]");
if (add) wirePasskeyAdd(add);
const workspace = /^\/w\/([^/]+)\/members$/.exec(location.pathname)?.[1];
const root = document.querySelector<HTMLElement>("[data-people-live=members]");
if (workspace && root) liveMembers(decodeURIComponent(workspace), root);
