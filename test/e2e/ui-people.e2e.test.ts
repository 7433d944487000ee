// The people screens in Chromium against `wrangler dev` at http://localhost (WebAuthn refuses
// an IP address): an admin invites through the members page and the link shown once works,
// changes a role (another admin's open page follows live), disables a member; a viewer gets
// no forms; a member adds and removes a passkey on their profile and signs out everywhere.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { IssuedInvitation, Me } from "../../schema";
import {
  createWorkspace,
  expectClean,
  hasChromium,
  launchBrowser,
  signIn,
  watchPage,
  type E2eWorkspace,
  type PageProblems,
} from "./helpers/browser";
import { VirtualAuthenticator } from "./helpers/authenticator";
import { seriousViolations } from "./helpers/page-checks";

const apiUrl = inject("baseUrl");
const baseUrl = apiUrl.replace("//127.0.0.1", "//localhost");
const operatorToken = inject("operatorToken");

type Person = {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  id: string;
  auth: VirtualAuthenticator;
};

/** The browser logs every refused fetch; these tests provoke some on purpose. */
const REFUSALS = [/the server responded with a status of 4\d\d/];

if (!hasChromium) console.warn("ui-people e2e skipped: /usr/bin/chromium is missing");

describe.skipIf(!hasChromium)("members and profile screens, in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens `link` in a fresh browser with a virtual authenticator and joins as `name`. */
  async function join(ws: E2eWorkspace, link: string, name: string): Promise<Person> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = await watchPage(page);
    const auth = await VirtualAuthenticator.attach(context, page);
    await page.goto(link.replace(apiUrl, baseUrl));
    await page.fill("#name", name);
    await Promise.all([
      page.waitForURL(`${baseUrl}/w/${ws.id}`),
      page.click("button[type=submit]"),
    ]);
    const me = (await page.evaluate(
      async (url) => (await fetch(url)).json(),
      `/w/${ws.id}/api/me`,
    )) as Me;
    return { context, page, problems, id: me.member!.id, auth };
  }

  /** Invites with the admin token (the members page's own form is tested below). */
  async function invited(ws: E2eWorkspace, email: string, role: string, name: string) {
    const res = await fetch(`${apiUrl}/w/${ws.id}/api/invitations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ email, role }),
    });
    expect(res.status).toBe(201);
    const { invitation } = (await res.json()) as { invitation: IssuedInvitation };
    return join(ws, invitation.link, name);
  }

  it("invites through the page, changes a role live on another admin's page, disables", async () => {
    const ws = await createWorkspace(apiUrl, operatorToken, "ui-people");
    const alice = await invited(ws, "alice@example.com", "admin", "Alice Admin");
    const carol = await invited(ws, "carol@example.com", "admin", "Carol Admin");
    const members = `${baseUrl}/w/${ws.id}/members`;

    // The user menu leads to the members page.
    await alice.page.click("details.menu.user > summary");
    await Promise.all([
      alice.page.waitForURL(members),
      alice.page.click("details.menu.user >> text=Members"),
    ]);
    expect(await seriousViolations(alice.page, "main")).toEqual([]);
    await alice.page.fill("#invite-email", "bob@example.com");
    await alice.page.selectOption("#invite-role", "operator");
    await alice.page.click("#invite-form button[type=submit]");
    await alice.page.waitForSelector("#invite-link:not([hidden])");
    const link = (await alice.page.textContent("#invite-link [data-link]"))!;
    expect(link).toContain("/join");
    expect(await alice.page.textContent("#invite-link [data-expires]")).not.toBe("");
    expect(await alice.page.textContent("#invitations")).toContain("bob@example.com");

    const bob = await join(ws, link, "Bob Builder");
    // The used invitation leaves Alice's open list without a reload (the members frame).
    await alice.page.waitForFunction(
      () => !document.querySelector("#invitations")?.textContent?.includes("bob@example.com"),
      undefined,
      { timeout: 15_000 },
    );
    await carol.page.goto(members);
    await carol.page.waitForSelector("[data-people-live][data-link=live]", { timeout: 15_000 });
    await alice.page.reload();
    const row = `#member-${bob.id}`;
    expect(await alice.page.textContent(row)).toContain("operator");
    await alice.page.selectOption(`#role-${bob.id}`, "viewer");
    await alice.page.click(`${row} form[data-method=PATCH] button:has-text("Change role")`);
    await alice.page.waitForSelector(`${row} output[data-ok=true]`);
    // Carol did nothing: the members frame redrew her list.
    await carol.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes("viewer"),
      `${row} .row-head`,
      { timeout: 15_000 },
    );

    // Disable asks twice; Bob's session ends at once.
    const disable = `${row} button:has-text("Disable Bob Builder")`;
    await alice.page.click(disable);
    await alice.page.click(`${row} button:has-text("Really disable")`);
    await alice.page.waitForSelector(`${row} output[data-ok=true]`);
    await bob.page.goto(`${baseUrl}/w/${ws.id}`);
    await bob.page.waitForURL(`${baseUrl}/w/${ws.id}/login`);
    await carol.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes("disabled"),
      `${row} .row-head`,
      { timeout: 15_000 },
    );

    // A refusal is shown where it was asked: Carol cannot be demoted... only when last admin,
    // so Alice demotes Carol, then tries to demote herself (409 last_admin).
    await alice.page.reload();
    await alice.page.selectOption(`#role-${carol.id}`, "operator");
    await alice.page.click(`#member-${carol.id} button:has-text("Change role")`);
    await alice.page.waitForSelector(`#member-${carol.id} output[data-ok=true]`);
    await alice.page.selectOption(`#role-${alice.id}`, "operator");
    await alice.page.click(`#member-${alice.id} button:has-text("Change role")`);
    const refusal = await alice.page.waitForSelector(`#member-${alice.id} output[data-ok=false]`);
    expect(await refusal.textContent()).toMatch(/admin/i);

    // A viewer sees names and roles, no forms and no addresses.
    const viewerContext = await browser.newContext();
    const viewer = await signIn(viewerContext, baseUrl, ws.id, ws.viewer);
    await viewer.page.goto(members);
    expect(await viewer.page.textContent("main")).toContain("Alice Admin");
    expect(await viewer.page.locator("main form").count()).toBe(0);
    expect(await viewer.page.textContent("main")).not.toContain("alice@example.com");
    expect(await seriousViolations(viewer.page, "main")).toEqual([]);

    expectClean(alice.problems, REFUSALS);
    expectClean(carol.problems, REFUSALS);
    expectClean(viewer.problems);
    for (const c of [alice.context, bob.context, carol.context, viewerContext]) await c.close();
  });

  it("adds and removes a passkey on the profile and signs out everywhere", async () => {
    const ws = await createWorkspace(apiUrl, operatorToken, "ui-profile");
    const dana = await invited(ws, "dana@example.com", "operator", "Dana Doe");
    const { page } = dana;
    await page.click("details.menu.user > summary");
    await Promise.all([
      page.waitForURL(`${baseUrl}/w/${ws.id}/me`),
      page.click("details.menu.user >> text=Profile"),
    ]);
    expect(await page.textContent("main")).toContain("dana@example.com");
    expect(await seriousViolations(page, "main")).toEqual([]);
    const rows = "#passkeys li.row";
    expect(await page.locator(rows).count()).toBe(1);

    // The only passkey is the only way in: refused, and said so.
    await page.click(`${rows} button:has-text("Remove passkey")`);
    const refusal = await page.waitForSelector(`${rows} output[data-ok=false]`);
    expect(await refusal.textContent()).toMatch(/sign-in|sign in/i);

    // The server excludes credentials one already has (an authenticator holding one refuses
    // to make another): forget the join passkey in the browser, as on a second device.
    for (const c of await dana.auth.credentials()) await dana.auth.remove(c.credentialId);
    await page.fill("#passkey-name", "laptop");
    await page.click("#passkey-add button");
    await page
      .waitForFunction((sel) => document.querySelectorAll(sel).length === 2, rows)
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}: ${await page.textContent("#passkey-add output")}`);
      });
    await page.click(`${rows} button:has-text("Remove passkey laptop")`);
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, rows);

    expect(await page.textContent("#sessions")).toContain("this browser");
    await page.click('#sessions button:has-text("Sign out everywhere")');
    await page.click('#sessions button:has-text("Really sign out")');
    await page.waitForURL(`${baseUrl}/w/${ws.id}/login`);
    expectClean(dana.problems, REFUSALS);
    await dana.context.close();
  });

  it("saves single sign-on and Access settings, a wrong issuer shown under its field", async () => {
    const ws = await createWorkspace(apiUrl, operatorToken, "ui-sso-settings");
    const context = await browser.newContext();
    const { page, problems } = await signIn(context, baseUrl, ws.id, ws.admin);
    await page.goto(`${baseUrl}/w/${ws.id}/settings#sso`);
    expect(await seriousViolations(page, "#sso")).toEqual([]);
    expect(await seriousViolations(page, "#access")).toEqual([]);
    await page.check("#sso-enabled");
    await page.fill("#sso-issuer", "https://idp.example.com/?tenant=1");
    await page.fill("#sso-client", "opsdeck");
    await page.fill("#sso-secret", "client-secret-1");
    await page.fill("#sso-domains", "example.com, example.org");
    await page.click("#sso-form button[type=submit]");
    const error = await page.waitForSelector("#sso-form #sso-issuer + .field-error");
    expect(await error.textContent()).toMatch(/query or fragment/);
    expect(await page.getAttribute("#sso-issuer", "aria-invalid")).toBe("true");

    // Saved off (no discovery then), with a role mapping; a role that does not exist is
    // explained under the claim values.
    await page.uncheck("#sso-enabled");
    await page.fill("#sso-issuer", "https://idp.example.com");
    await page.fill("#sso-claim", "groups");
    await page.fill("#sso-values", "ops-admins = superuser");
    await page.uncheck("#sso-no-mapping");
    await page.click("#sso-form button[type=submit]");
    await page.waitForSelector("#sso-form #sso-values + .field-error");
    expect(await page.$("#sso-issuer + .field-error")).toBeNull();
    await page.fill("#sso-values", "ops-admins = admin\nops = operator");
    await Promise.all([page.waitForEvent("load"), page.click("#sso-form button[type=submit]")]);
    await page.waitForSelector("#sso-form");
    expect(await page.inputValue("#sso-issuer")).toBe("https://idp.example.com");
    expect(await page.inputValue("#sso-values")).toBe("ops-admins = admin\nops = operator");
    expect(await page.inputValue("#sso-secret")).toBe("");
    expect(await page.textContent("#sso")).toContain("(set)");
    expect(await page.content()).not.toContain("client-secret-1");

    await page.fill("#access-team", "acme.cloudflareaccess.com");
    await page.fill("#access-aud", "a".repeat(64));
    await Promise.all([page.waitForEvent("load"), page.click("#access-form button[type=submit]")]);
    await page.waitForSelector("#access-form");
    expect(await page.inputValue("#access-team")).toBe("acme.cloudflareaccess.com");

    // Only admins get these forms.
    const opContext = await browser.newContext();
    const op = await signIn(opContext, baseUrl, ws.id, ws.operator);
    await op.page.goto(`${baseUrl}/w/${ws.id}/settings`);
    expect(await op.page.locator("#sso, #access").count()).toBe(0);
    expectClean(problems, REFUSALS);
    expectClean(op.problems);
    await context.close();
    await opContext.close();
  });
});
