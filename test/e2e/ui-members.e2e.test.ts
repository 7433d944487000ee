// A person joins through an invitation link in Chromium, against `wrangler dev` on plain http
// at localhost (WebAuthn refuses an IP address): the join form creates a passkey on a virtual
// authenticator and signs them in (the session cookie must work without TLS locally), the
// dashboard goes live as them, and "sign out everywhere" ends it.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { IssuedInvitation, Me } from "../../schema";
import {
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  waitForConnection,
  watchPage,
} from "./helpers/browser";
import { VirtualAuthenticator } from "./helpers/authenticator";

const apiUrl = inject("baseUrl");
const baseUrl = apiUrl.replace("//127.0.0.1", "//localhost");
const operatorToken = inject("operatorToken");

if (!hasChromium) console.warn("ui-members e2e skipped: /usr/bin/chromium is missing");

describe.skipIf(!hasChromium)("joining through an invitation link, in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("joins, is live on the dashboard as the member, and signs out everywhere", async () => {
    const ws = await createWorkspace(apiUrl, operatorToken, "ui-members");
    const res = await fetch(`${apiUrl}/w/${ws.id}/api/invitations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ email: "dana@example.com", role: "operator" }),
    });
    expect(res.status).toBe(201);
    const { invitation } = (await res.json()) as { invitation: IssuedInvitation };

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = await watchPage(page);
    await VirtualAuthenticator.attach(context, page);
    await page.goto(invitation.link.replace(apiUrl, baseUrl));
    await page.fill("#name", "Dana Doe");
    await Promise.all([
      page.waitForURL(`${baseUrl}/w/${ws.id}`),
      page.click("button[type=submit]"),
    ]);
    await waitForConnection(page, "live");

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "opsdeck_session", httpOnly: true, sameSite: "Lax" });
    const me = await page.evaluate(async (url) => (await fetch(url)).json(), `/w/${ws.id}/api/me`);
    expect(me as Me).toMatchObject({
      actor: { kind: "member", name: "Dana Doe" },
      role: "operator",
    });
    await page.goto(`${baseUrl}/w/${ws.id}/members`);
    expect(await page.textContent("main")).toContain("Dana Doe");

    const out = await page.evaluate(
      async (url) => (await fetch(url, { method: "DELETE" })).status,
      `/w/${ws.id}/api/me/sessions`,
    );
    expect(out).toBe(200);
    await page.goto(`${baseUrl}/w/${ws.id}`);
    await page.waitForURL(`${baseUrl}/w/${ws.id}/login`);
    expectClean(problems);
    await context.close();
  });
});
