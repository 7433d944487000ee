// Single sign-on through the running Worker (`wrangler dev` with loopback URLs allowed) against
// panva's certified oidc-provider on 127.0.0.1, and Cloudflare Access assertions signed here
// and checked against a local JWKS: who signs in, with which role, and every refusal's code.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Me, Role } from "../../schema";
import {
  CLIENT,
  browseToCallback,
  makeSigningKey,
  startOidcProvider,
  type OidcPeer,
  type PEOPLE,
  type SigningKey,
} from "../peers/oidc-provider";
import { createWorkspace, hasChromium, launchBrowser, type E2eWorkspace } from "./helpers/browser";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const operatorToken = inject("operatorToken");
const AUD = "32eafc7626e974616deaf0dc3ce63d7bcbed58a2731e84d06bc7d3f4a3b1b9e1";

let server: LoopbackServer;
let peer: OidcPeer;
let ws: E2eWorkspace;
let other: E2eWorkspace;
let accessKey: SigningKey;
let certs: Server;
let team = "";
const signInTimes: number[] = [];

const url = (path: string) => `${server.url}${path}`;
const callbackOf = (w: E2eWorkspace) => url(`/w/${w.id}/auth/oidc/callback`);
const adminJson = (method: string, body: unknown, token: string): RequestInit => ({
  method,
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** An invited and accepted member (then optionally disabled). */
async function member(w: E2eWorkspace, email: string, role: Role, disabled = false) {
  const inv = await fetch(
    url(`/w/${w.id}/api/invitations`),
    adminJson("POST", { email, role }, w.admin),
  );
  expect(inv.status).toBe(201);
  const { invitation } = (await inv.json()) as { invitation: { token: string } };
  const res = await fetch(url(`/w/${w.id}/api/invitations/accept`), {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: server.url },
    body: JSON.stringify({ token: invitation.token, name: email.split("@")[0] }),
  });
  expect(res.status).toBe(201);
  const { member: m } = (await res.json()) as { member: { id: string } };
  if (disabled) {
    const off = await fetch(
      url(`/w/${w.id}/api/members/${m.id}`),
      adminJson("PATCH", { disabled: true }, w.admin),
    );
    expect(off.status).toBe(200);
  }
}

async function configure(w: E2eWorkspace, extra: Record<string, unknown> = {}) {
  const res = await fetch(
    url(`/w/${w.id}/api/integrations/sso`),
    adminJson(
      "PUT",
      {
        enabled: true,
        issuer: peer.issuer,
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
        allowedEmailDomains: ["example.com"],
        roleMapping: { claim: "groups", values: { "ops-admins": "admin" } },
        ...extra,
      },
      w.admin,
    ),
  );
  expect(res.status, await res.clone().text()).toBe(200);
}

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);

/** A browser's start: its flow cookie and the provider's callback URL for `account`. */
async function begin(w: E2eWorkspace, account: keyof typeof PEOPLE, returnTo?: string) {
  const query = returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : "";
  const res = await fetch(url(`/w/${w.id}/auth/oidc/start${query}`), { redirect: "manual" });
  expect(res.status, await res.clone().text()).toBe(302);
  const flow = cookieOf(res, "opsdeck_sso_flow");
  expect(flow).toBeDefined();
  peer.signInAs(account);
  const callback = await browseToCallback(res.headers.get("location") ?? "", callbackOf(w));
  return { flow: flow ?? "", callback };
}

const finish = (callback: string, flow: string, accept = "application/json") =>
  fetch(callback, { redirect: "manual", headers: { Cookie: flow, Accept: accept } });

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as { code: string; detail: string };
}

async function me(w: E2eWorkspace, cookie: string): Promise<Me> {
  const res = await fetch(url(`/w/${w.id}/api/me`), { headers: { Cookie: cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as Me;
}

beforeAll(async () => {
  server = await startLoopbackServer("sso", operatorToken);
  ws = await createWorkspace(server.url, operatorToken, "sso");
  other = await createWorkspace(server.url, operatorToken, "sso-refusals");
  peer = await startOidcProvider({ redirectUris: [callbackOf(ws), callbackOf(other)] });
  await configure(ws);
  await configure(other);
  await member(ws, "alice@example.com", "viewer");
  await member(other, "dave@example.com", "operator", true);
  accessKey = await makeSigningKey("access-key-1");
  certs = createServer((req, res) => {
    if (req.url !== "/cdn-cgi/access/certs") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [accessKey.publicJwk], public_certs: [] }));
  });
  await new Promise<void>((resolve) => certs.listen(0, "127.0.0.1", resolve));
  team = `http://127.0.0.1:${(certs.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  if (signInTimes.length > 0) {
    const sorted = [...signInTimes].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    process.stdout.write(
      `OIDC sign-in (start → provider → callback) p50 ${p50.toFixed(0)} ms over ${sorted.length} under wrangler dev\n`,
    );
  }
  await peer?.close();
  certs?.closeAllConnections();
  await new Promise<void>((resolve) => (certs ? certs.close(() => resolve()) : resolve()));
  await server?.stop();
});

describe("OIDC sign-in through the Worker", () => {
  it("signs a member in with a session, their role from the groups claim (audited)", async () => {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const { flow, callback } = await begin(ws, "alice", `/w/${ws.id}/alerts`);
      const res = await finish(callback, flow);
      signInTimes.push(performance.now() - t0);
      expect(res.status, await res.clone().text()).toBe(302);
      expect(res.headers.get("location")).toBe(`/w/${ws.id}/alerts`);
      const session = cookieOf(res, "opsdeck_session");
      expect(session).toMatch(/^opsdeck_session=ods\./);
      const line = res.headers.getSetCookie().find((l) => l.startsWith("opsdeck_session="));
      expect(line).toMatch(/HttpOnly/i);
      const who = await me(ws, session ?? "");
      expect(who).toMatchObject({ role: "admin", member: { email: "alice@example.com" } });
    }
    const audit = await fetch(url(`/w/${ws.id}/api/audit`), {
      headers: { Authorization: `Bearer ${ws.admin}` },
    });
    const text = await audit.text();
    expect(text).toContain("member.update");
    expect(text).toContain('"oidc"');
  });

  it("refuses a callback presented with another browser's flow cookie, then lets the right one in", async () => {
    const mine = await begin(ws, "alice");
    const theirs = await fetch(url(`/w/${ws.id}/auth/oidc/start`), { redirect: "manual" });
    const foreign = cookieOf(theirs, "opsdeck_sso_flow") ?? "";
    const refused = await finish(mine.callback, foreign);
    expect(refused.status).toBe(400);
    expect((await problemOf(refused)).code).toBe("sso_state_mismatch");
    expect(cookieOf(refused, "opsdeck_session")).toBeUndefined();
    const none = await finish(mine.callback, "");
    expect((await problemOf(none)).code).toBe("sso_state_mismatch");
    expect((await finish(mine.callback, mine.flow)).status).toBe(302);
  });

  it("takes a flow once: the same callback replayed is refused", async () => {
    const { flow, callback } = await begin(ws, "alice");
    expect((await finish(callback, flow)).status).toBe(302);
    const replay = await finish(callback, flow);
    expect(replay.status).toBe(400);
    expect((await problemOf(replay)).code).toBe("sso_state_unknown");
  });

  it("refuses an address outside the allowed domains", async () => {
    const { flow, callback } = await begin(other, "mallory");
    const res = await finish(callback, flow);
    expect(res.status).toBe(403);
    expect((await problemOf(res)).code).toBe("sso_email_domain");
  });

  it("refuses an unknown address unless autoProvision is on, then creates them with the default role", async () => {
    const first = await begin(other, "carol");
    const refused = await finish(first.callback, first.flow);
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).code).toBe("sso_member_unknown");
    const members = await fetch(url(`/w/${other.id}/api/members`), {
      headers: { Authorization: `Bearer ${other.admin}` },
    });
    expect(await members.text()).not.toContain("carol@example.com");

    await configure(other, { autoProvision: true, defaultRole: "operator" });
    const again = await begin(other, "carol");
    const res = await finish(again.callback, again.flow);
    expect(res.status, await res.clone().text()).toBe(302);
    const who = await me(other, cookieOf(res, "opsdeck_session") ?? "");
    expect(who).toMatchObject({
      role: "operator",
      member: { email: "carol@example.com", name: "Carol" },
    });
  });

  it("refuses a disabled member, as a page naming the reason for a browser navigation", async () => {
    const { flow, callback } = await begin(other, "dave");
    const res = await finish(callback, flow, "text/html,application/xhtml+xml");
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("member_disabled");
    expect(cookieOf(res, "opsdeck_session")).toBeUndefined();
  });

  it("offers Sign in with SSO on the sign-in page", async () => {
    const page = await (await fetch(url(`/w/${ws.id}/login`))).text();
    expect(page).toContain(`/w/${ws.id}/auth/oidc/start`);
    expect(page).toContain("Sign in with SSO");
  });

  it("refuses an open redirect in returnTo", async () => {
    const res = await fetch(
      url(`/w/${ws.id}/auth/oidc/start?returnTo=${encodeURIComponent("//evil.example")}`),
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe("validation_failed");
  });
});

describe("SSO settings route", () => {
  it("shows viewers the settings without the secret", async () => {
    const res = await fetch(url(`/w/${ws.id}/api/integrations/sso`), {
      headers: { Authorization: `Bearer ${ws.viewer}` },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('"clientSecretSet":true');
    expect(body).not.toContain(CLIENT.clientSecret);
  });

  it("refuses writes below admin, bad input and a wrong issuer (4xx at save)", async () => {
    const base = {
      enabled: true,
      issuer: peer.issuer,
      clientId: "opsdeck",
      allowedEmailDomains: ["example.com"],
    };
    const put = (body: unknown, token = ws.admin) =>
      fetch(url(`/w/${ws.id}/api/integrations/sso`), adminJson("PUT", body, token));
    expect((await put(base, ws.operator)).status).toBe(403);
    const missing = await put({ ...base, clientId: undefined });
    expect(missing.status).toBe(400);
    expect((await problemOf(missing)).code).toBe("validation_failed");
    const scheme = await put({ ...base, issuer: "ftp://idp.example.com" });
    expect(scheme.status).toBe(400);
    const wrong = await put({ ...base, issuer: `${team}/not-an-issuer` });
    expect(wrong.status).toBe(400);
    const problem = await problemOf(wrong);
    expect(problem.code).toMatch(/^sso_issuer_/);
  });
});

async function accessAssertion(changes: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: [AUD],
    email: "alice@example.com",
    exp: now + 300,
    iat: now,
    nbf: now,
    iss: team,
    type: "app",
    sub: "7335d417",
    ...changes,
  })
    .setProtectedHeader({ alg: "RS256", kid: accessKey.kid, typ: "JWT" })
    .sign(accessKey.privateKey);
}

describe("Cloudflare Access", () => {
  const asAccess = async (assertion: string) =>
    fetch(url(`/w/${ws.id}/api/me`), { headers: { "Cf-Access-Jwt-Assertion": assertion } });

  beforeAll(async () => {
    const res = await fetch(
      url(`/w/${ws.id}/api/integrations/access`),
      adminJson("PUT", { enabled: true, teamDomain: team, audience: AUD }, ws.admin),
    );
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("signs a valid assertion's member in with a session", async () => {
    const res = await asAccess(await accessAssertion());
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      actor: { kind: "member" },
      member: { email: "alice@example.com" },
    });
    const session = cookieOf(res, "opsdeck_session") ?? "";
    expect((await me(ws, session)).member?.email).toBe("alice@example.com");
  });

  it("refuses another application's audience", async () => {
    const res = await asAccess(await accessAssertion({ aud: ["another-app-aud-0123456789"] }));
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe("access_jwt_invalid");
  });

  it("refuses a service token for member routes", async () => {
    const res = await asAccess(
      await accessAssertion({ email: undefined, common_name: "abc123.access", type: "app" }),
    );
    expect(res.status).toBe(403);
    expect((await problemOf(res)).code).toBe("access_service_token");
  });

  it("refuses the Access settings to a non-admin and bad input", async () => {
    const put = (body: unknown, token: string) =>
      fetch(url(`/w/${ws.id}/api/integrations/access`), adminJson("PUT", body, token));
    expect((await put({ enabled: true, teamDomain: team, audience: AUD }, ws.viewer)).status).toBe(
      403,
    );
    const bad = await put(
      { enabled: true, teamDomain: team, audience: "no spaces allowed" },
      ws.admin,
    );
    expect(bad.status).toBe(400);
  });
});

describe.skipIf(!hasChromium)("in Chromium", () => {
  it("Sign in with SSO takes a member from the sign-in page to the dashboard", async () => {
    const chromium = await launchBrowser();
    try {
      const page = await chromium.newPage();
      peer.signInAs("alice");
      await page.goto(url(`/w/${ws.id}/login`));
      await page.getByRole("link", { name: "Sign in with SSO" }).click();
      await page.waitForURL(url(`/w/${ws.id}`), { timeout: 20_000 });
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === "opsdeck_session");
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe("Lax");
      expect(cookies.find((c) => c.name === "opsdeck_sso_flow")).toBeUndefined();
    } finally {
      await chromium.close();
    }
  });
});
