import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { IssuedInvitation, Me, Member } from "../../schema";
import { captureConsole } from "../helpers/console";
import { accept, browser, browserJson, countRows, invite, joinAs } from "../helpers/members";
import {
  BASE,
  OPERATOR,
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

vi.setConfig({ testTimeout: 20_000 });

const api = (ws: TestWorkspace, path: string) => `/w/${ws.id}/api/${path}`;

async function me(ws: TestWorkspace, cookie: string): Promise<Me> {
  const res = await call(api(ws, "me"), browser(cookie));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Me;
}

describe("invitations", () => {
  it("invite, accept: the member exists with the role and is signed in with a session", async () => {
    const ws = await makeWorkspace();
    const invitation = await invite(ws, "operator", "Bob@Example.com");
    expect(invitation.email).toBe("bob@example.com");
    expect(invitation.token).toMatch(new RegExp(`^odi\\.${ws.id}\\.`));
    expect(invitation.link).toBe(
      `${BASE}/w/${ws.id}/join?invitation=${encodeURIComponent(invitation.token)}`,
    );
    // Listed without its secret.
    const listed = await call(api(ws, "invitations"), bearer(ws.admin));
    const text = await listed.text();
    expect(text).toContain(invitation.id);
    expect(text).not.toContain(invitation.token);

    const { member, cookie, res } = await accept(ws, invitation.token, "Bob");
    const setCookie = res.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(new RegExp(`Path=/w/${ws.id}`));
    expect(member).toMatchObject({ email: "bob@example.com", name: "Bob", role: "operator" });
    expect(await me(ws, cookie)).toMatchObject({
      actor: { kind: "member", memberId: member.id, name: "Bob" },
      role: "operator",
      member: { id: member.id },
      credentials: [],
    });
    // The operator can act, and cannot manage members.
    const members = await call(api(ws, "members"), browser(cookie));
    await expectProblem(members, 403, "forbidden");
    expect(await countRows(ws, "invitations")).toBe(0);
  });

  it("makes the workspace creator its first admin member through an invitation", async () => {
    const id = `ws-${crypto.randomUUID().slice(0, 8)}`;
    const res = await call(
      "/api/workspaces",
      jsonInit("POST", { id, name: "Team", admin: { email: "Owner@Example.com" } }, OPERATOR),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { adminInvitation: IssuedInvitation };
    expect(body.adminInvitation).toMatchObject({ email: "owner@example.com", role: "admin" });
    const ws = { id } as TestWorkspace;
    const { member, cookie } = await accept(ws, body.adminInvitation.token, "Owner");
    expect(member.role).toBe("admin");
    const list = await call(api(ws, "members"), browser(cookie));
    expect(((await list.json()) as { members: Member[] }).members.map((m) => m.id)).toEqual([
      member.id,
    ]);
  });

  it("refuses a reused, revoked, expired or foreign invitation with 410, storing nothing", async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace();
    const used = await invite(ws, "viewer");
    await accept(ws, used.token);
    const revoked = await invite(ws, "viewer");
    const del = await call(
      api(ws, `invitations/${revoked.id}`),
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(del.status).toBe(200);
    const expired = await invite(ws, "viewer");
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "UPDATE invitations SET expires_at = ? WHERE id = ?",
        Date.now() - 1,
        expired.id,
      );
    });
    const foreign = await invite(other, "admin");
    const before = {
      members: await countRows(ws, "members"),
      sessions: await countRows(ws, "member_sessions"),
    };
    for (const token of [
      used.token,
      revoked.token,
      expired.token,
      foreign.token,
      `odi.${ws.id}.forged`,
    ]) {
      const res = await call(api(ws, "invitations/accept"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: BASE },
        body: JSON.stringify({ token, name: "Mallory" }),
      });
      const problem = await expectProblem(res, 410, "invitation_invalid");
      expect(problem.detail).toMatch(/ask an admin/);
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect(await countRows(ws, "members")).toBe(before.members);
    expect(await countRows(ws, "member_sessions")).toBe(before.sessions);
    // The foreign invitation still works where it belongs.
    expect((await accept(other, foreign.token)).member.role).toBe("admin");
    // An expired invitation is not listed, and the retention task removes it.
    const open = await call(api(ws, "invitations"), bearer(ws.admin));
    expect(((await open.json()) as { invitations: unknown[] }).invitations).toEqual([]);
  });

  it("answers bad bodies on every route with 400 naming the field", async () => {
    const ws = await makeWorkspace();
    const cases: [string, string, unknown, string][] = [
      ["POST", "invitations", { email: "not-an-address", role: "viewer" }, "json.email"],
      ["POST", "invitations", { email: "a@example.com", role: "owner" }, "json.role"],
      ["POST", "invitations", { email: "a@example.com", role: "viewer", extra: 1 }, "json"],
      ["PATCH", `members/${crypto.randomUUID()}`, {}, "json"],
      ["PATCH", `members/${crypto.randomUUID()}`, { role: "root" }, "json.role"],
      ["PATCH", `members/${crypto.randomUUID()}`, { disabled: "yes" }, "json.disabled"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(api(ws, path), jsonInit(method, body, ws.admin));
      const problem = (await expectProblem(res, 400, "validation_failed")) as unknown as {
        issues: { path: string }[];
      };
      expect(problem.issues.map((i) => i.path).join(",")).toContain(field);
    }
    const accepts: unknown[] = [
      { token: "x" },
      { name: "n" },
      { token: "x".repeat(201), name: "n" },
      { token: "odi.x.y", name: "<script>" },
    ];
    for (const body of accepts) {
      const res = await call(api(ws, "invitations/accept"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      await expectProblem(res, 400, "validation_failed");
    }
    await expectProblem(
      await call(
        api(ws, `members/${crypto.randomUUID()}`),
        jsonInit("PATCH", { role: "viewer" }, ws.admin),
      ),
      404,
      "not_found",
    );
    await expectProblem(
      await call(
        api(ws, `invitations/${crypto.randomUUID()}`),
        bearer(ws.admin, { method: "DELETE" }),
      ),
      404,
      "not_found",
    );
    expect(await countRows(ws, "invitations")).toBe(0);
  });

  it("re-invites a member as a sign-in link (role kept), refuses a disabled one, caps open ones at 100", async () => {
    const ws = await makeWorkspace();
    const { member, cookie } = await joinAs(ws, "viewer");
    const again = await call(
      api(ws, "invitations"),
      jsonInit("POST", { email: member.email, role: "admin" }, ws.admin),
    );
    expect(again.status).toBe(201);
    const link = ((await again.json()) as { invitation: IssuedInvitation }).invitation;
    const back = await accept(ws, link.token, "Someone Else");
    expect(back.member).toMatchObject({ id: member.id, role: "viewer", name: member.name });
    expect(back.cookie).not.toBe(cookie);
    expect(await countRows(ws, "members")).toBe(1);
    const off = await call(
      api(ws, `members/${member.id}`),
      jsonInit("PATCH", { disabled: true }, ws.admin),
    );
    expect(off.status).toBe(200);
    await expectProblem(
      await call(
        api(ws, "invitations"),
        jsonInit("POST", { email: member.email, role: "viewer" }, ws.admin),
      ),
      409,
      "member_disabled",
    );
    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < 100; i++)
        state.storage.sql.exec(
          "INSERT INTO invitations (id, hash, email, role, created_at, created_by, expires_at) VALUES (?, ?, ?, 'viewer', ?, '{}', ?)",
          `seed-${i}`,
          `hash-${i}`,
          `p${i}@example.com`,
          new Date().toISOString(),
          Date.now() + 60_000,
        );
    });
    const over = await call(
      api(ws, "invitations"),
      jsonInit("POST", { email: "late@example.com", role: "viewer" }, ws.admin),
    );
    await expectProblem(over, 409, "limit_reached");
  });
});

describe("who may manage members", () => {
  it("403s a viewer or operator (token or member) on every member-management route", async () => {
    const ws = await makeWorkspace();
    const target = await joinAs(ws, "viewer");
    const invitation = await invite(ws, "viewer");
    const routes: [string, string, unknown?][] = [
      ["GET", "members"],
      ["PATCH", `members/${target.member.id}`, { role: "admin" }],
      ["POST", "invitations", { email: "x@example.com", role: "admin" }],
      ["GET", "invitations"],
      ["DELETE", `invitations/${invitation.id}`],
    ];
    const viewer = await joinAs(ws, "viewer", "Vera");
    const operator = await joinAs(ws, "operator", "Otto");
    for (const [method, path, body] of routes) {
      for (const token of [ws.viewer, ws.operator]) {
        const init = body === undefined ? bearer(token, { method }) : jsonInit(method, body, token);
        await expectProblem(await call(api(ws, path), init), 403, "forbidden");
      }
      for (const cookie of [viewer.cookie, operator.cookie]) {
        const init =
          body === undefined ? browser(cookie, { method }) : browserJson(method, body, cookie);
        await expectProblem(await call(api(ws, path), init), 403, "forbidden");
      }
    }
    // Nothing changed: the target is still a viewer, the invitation still open.
    const members = (await (await call(api(ws, "members"), bearer(ws.admin))).json()) as {
      members: Member[];
    };
    expect(members.members.find((m) => m.id === target.member.id)?.role).toBe("viewer");
    expect(await countRows(ws, "invitations")).toBe(1);
  });

  it("409s the last admin demoting or disabling themselves, and allows it once another admin exists", async () => {
    const ws = await makeWorkspace();
    const admin = await joinAs(ws, "admin", "Ada");
    for (const body of [{ role: "operator" }, { disabled: true }]) {
      const res = await call(
        api(ws, `members/${admin.member.id}`),
        browserJson("PATCH", body, admin.cookie),
      );
      const problem = await expectProblem(res, 409, "last_admin");
      expect(problem.detail).toMatch(/last admin/);
      // Not even an admin token can remove the last admin member.
      await expectProblem(
        await call(api(ws, `members/${admin.member.id}`), jsonInit("PATCH", body, ws.admin)),
        409,
        "last_admin",
      );
    }
    expect((await me(ws, admin.cookie)).role).toBe("admin");
    const second = await joinAs(ws, "admin", "Grace");
    const demoted = await call(
      api(ws, `members/${admin.member.id}`),
      browserJson("PATCH", { role: "viewer" }, admin.cookie),
    );
    expect(demoted.status).toBe(200);
    await expectProblem(
      await call(
        api(ws, `members/${second.member.id}`),
        browserJson("PATCH", { disabled: true }, second.cookie),
      ),
      409,
      "last_admin",
    );
  });
});

describe("CSRF on member routes", () => {
  it("refuses every cookie-authenticated member write from another origin or without one", async () => {
    const ws = await makeWorkspace();
    const admin = await joinAs(ws, "admin", "Ada");
    const target = await joinAs(ws, "viewer", "Tom");
    const invitation = await invite(ws, "viewer");
    const writes: [string, string, unknown?][] = [
      ["PATCH", `members/${target.member.id}`, { role: "admin" }],
      ["POST", "invitations", { email: "csrf@example.com", role: "admin" }],
      ["DELETE", `invitations/${invitation.id}`],
      ["DELETE", "me/sessions"],
      ["POST", "invitations/accept", { token: invitation.token, name: "Eve" }],
    ];
    for (const [method, path, body] of writes) {
      for (const origin of ["https://evil.example", undefined]) {
        const headers: Record<string, string> = { Cookie: admin.cookie };
        if (origin) headers.Origin = origin;
        if (body !== undefined) headers["Content-Type"] = "application/json";
        const init: RequestInit = {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        };
        await expectProblem(await call(api(ws, path), init), 403, "csrf_rejected");
      }
    }
    // Cross-site reads that name an Origin are refused too, as for every cookie route.
    await expectProblem(
      await call(api(ws, "members"), {
        headers: { Cookie: admin.cookie, Origin: "https://evil.example" },
      }),
      403,
      "csrf_rejected",
    );
    expect((await me(ws, target.cookie)).role).toBe("viewer");
    expect(await countRows(ws, "invitations")).toBe(1);
    expect((await me(ws, admin.cookie)).role).toBe("admin");
  });
});

describe("sign-in limits on acceptance", () => {
  it("rate limits a flood of wrong invitation secrets (429 with Retry-After) and logs nothing", async () => {
    const ws = await makeWorkspace();
    const logs = captureConsole("error");
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await call(api(ws, "invitations/accept"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": "203.0.113.9" },
        body: JSON.stringify({ token: `odi.${ws.id}.guess${i}`, name: "Guess" }),
      });
      if (res.status === 429) limited = res;
      else await expectProblem(res, 410, "invitation_invalid");
    }
    expect(limited).toBeDefined();
    expect(limited!.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(logs.lines()).toEqual([]);
    expect(await countRows(ws, "members")).toBe(0);
  });
});

describe("the invitation link's page", () => {
  it("opens a form, and joining signs the invitee in without JavaScript", async () => {
    const ws = await makeWorkspace();
    const invitation = await invite(ws, "viewer");
    const page = await call(new URL(invitation.link).pathname + new URL(invitation.link).search);
    expect(page.status).toBe(200);
    expect(page.headers.get("Referrer-Policy")).toBe("same-origin");
    const html = await page.text();
    expect(html).toContain(`value="${invitation.token}"`);
    const hostile = await call(
      `/w/${ws.id}/join?invitation=%22%3E%3Cscript%3Ealert(1)%3C/script%3E`,
    );
    expect(await hostile.text()).not.toContain("<script>alert(1)");

    const post = (name: string) =>
      call(`/w/${ws.id}/join`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE },
        body: new URLSearchParams({ invitation: invitation.token, name }).toString(),
      });
    const bad = await post("<img onerror=x>");
    expect(bad.status).toBe(400);
    expect(await countRows(ws, "members")).toBe(0);
    const joined = await post("Jo Join");
    expect(joined.status).toBe(303);
    expect(joined.headers.get("Location")).toBe(`/w/${ws.id}`);
    const cookie = (joined.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    expect((await me(ws, cookie)).member).toMatchObject({ name: "Jo Join", role: "viewer" });
    const again = await post("Jo Again");
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("ask an admin");
  });
});
