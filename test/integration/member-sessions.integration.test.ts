import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me, MemberSession } from "../../schema";
import {
  accept,
  browser,
  browserJson,
  countRows,
  invite,
  joinAs,
  sessionCookie,
} from "../helpers/members";
import {
  BASE,
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { closeAllSockets, isSnapshot, openSocket, waitForClose, waitForFrame } from "../helpers/ws";

afterEach(closeAllSockets);
vi.setConfig({ testTimeout: 20_000 });

const api = (ws: TestWorkspace, path: string) => `/w/${ws.id}/api/${path}`;

async function meStatus(ws: TestWorkspace, cookie: string): Promise<number> {
  return (await call(api(ws, "me"), browser(cookie))).status;
}

async function sessions(ws: TestWorkspace, cookie: string): Promise<MemberSession[]> {
  const res = await call(api(ws, "me/sessions"), browser(cookie));
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { sessions: MemberSession[] }).sessions;
}

describe("session fixation", () => {
  it("gives a new session id at sign-in and ends the one the browser presented", async () => {
    const ws = await makeWorkspace();
    // A session an attacker holds (their own sign-in) planted in the victim's browser.
    const planted = await joinAs(ws, "viewer", "Mallory");
    const invitation = await invite(ws, "operator");
    const { cookie } = await accept(ws, invitation.token, "Victim", {
      headers: { Cookie: planted.cookie },
    });
    expect(cookie).not.toBe(planted.cookie);
    expect(await meStatus(ws, planted.cookie)).toBe(401);
    expect(await meStatus(ws, cookie)).toBe(200);

    // The token sign-in does the same with a cookie it was sent.
    const login = await call(api(ws, "session"), {
      ...jsonInit("POST", { token: ws.viewer }),
      headers: {
        "Content-Type": "application/json",
        Cookie: cookie,
        Origin: BASE,
      },
    });
    expect(login.status).toBe(200);
    const tokenCookie = sessionCookie(login);
    expect(tokenCookie).not.toBe(cookie);
    expect(await meStatus(ws, cookie)).toBe(401);
    const who = (await (await call(api(ws, "me"), browser(tokenCookie))).json()) as Me;
    expect(who.actor.kind).toBe("token");
  });
});

describe("member sessions", () => {
  it("lists one's own sessions (current flagged, browser summarised) and ends all of them", async () => {
    const ws = await makeWorkspace();
    const first = await joinAs(ws, "viewer", "Sam");
    const listed = await sessions(ws, first.cookie);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ current: true, userAgent: "Firefox on Linux" });
    expect(JSON.stringify(listed)).not.toContain(first.cookie.split("=")[1]!);
    // A token has no member sessions.
    await expectProblem(
      await call(api(ws, "me/sessions"), bearer(ws.viewer)),
      403,
      "member_required",
    );
    const sock = await openSocket(`/w/${ws.id}/ws`, browser(first.cookie));
    await waitForFrame(sock, isSnapshot);

    const out = await call(api(ws, "me/sessions"), browser(first.cookie, { method: "DELETE" }));
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ success: true, ended: 1 });
    expect(out.headers.get("Set-Cookie")).toMatch(/opsdeck_session=;/);
    expect(await meStatus(ws, first.cookie)).toBe(401);
    expect((await waitForClose(sock)).code).toBe(1008);
  });

  it("ends a session idle past the idle timeout, and one past its absolute expiry", async () => {
    const ws = await makeWorkspace();
    const idle = await joinAs(ws, "viewer", "Ida");
    const old = await joinAs(ws, "viewer", "Abe");
    await runInDurableObject(ws.stub, (_i, state) => {
      const sql = state.storage.sql;
      // Default idle timeout: 480 minutes (MEMBER_SESSION_IDLE_MINUTES).
      sql.exec(
        "UPDATE member_sessions SET last_seen_at = ? WHERE member_id = ?",
        Date.now() - 481 * 60_000,
        idle.member.id,
      );
      sql.exec(
        "UPDATE member_sessions SET expires_at = ? WHERE member_id = ?",
        Date.now() - 1,
        old.member.id,
      );
    });
    expect(await meStatus(ws, idle.cookie)).toBe(401);
    expect(await meStatus(ws, old.cookie)).toBe(401);
  });

  it("rotates the session on a role change, and the new role applies at once", async () => {
    const ws = await makeWorkspace();
    const admin = await joinAs(ws, "admin", "Ada");
    const person = await joinAs(ws, "viewer", "Pat");
    const ack = () =>
      call(
        api(ws, "metrics/samples"),
        browserJson("POST", { samples: [{ metric: "cpu", value: 1 }] }, person.cookie),
      );
    await expectProblem(await ack(), 403, "forbidden");
    const promoted = await call(
      api(ws, `members/${person.member.id}`),
      browserJson("PATCH", { role: "operator" }, admin.cookie),
    );
    expect(promoted.status).toBe(200);
    // The next request works with the new role and swaps the cookie for a new session id.
    const res = await call(api(ws, "me"), browser(person.cookie));
    expect(((await res.json()) as Me).role).toBe("operator");
    const renewed = sessionCookie(res);
    expect(renewed).not.toBe(person.cookie);
    const created = await call(
      api(ws, "metrics/samples"),
      browserJson("POST", { samples: [{ metric: "cpu", value: 1 }] }, renewed),
    );
    expect(created.status, await created.clone().text()).toBe(202);
    // The new session is not renewed again; the old one lapses after a short grace.
    expect((await call(api(ws, "me"), browser(renewed))).headers.get("Set-Cookie")).toBeNull();
    const left = await runInDurableObject(ws.stub, (_i, state) =>
      state.storage.sql
        .exec<{ expires_at: number }>(
          "SELECT expires_at FROM member_sessions WHERE member_id = ? ORDER BY created_at",
          person.member.id,
        )
        .toArray(),
    );
    expect(left).toHaveLength(2);
    expect(left[0]!.expires_at).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("signing out on the request that renews the session ends both the old and the new one", async () => {
    const ws = await makeWorkspace();
    const admin = await joinAs(ws, "admin", "Ada");
    const person = await joinAs(ws, "viewer", "Pat");
    const promoted = await call(
      api(ws, `members/${person.member.id}`),
      browserJson("PATCH", { role: "operator" }, admin.cookie),
    );
    expect(promoted.status).toBe(200);
    // A socket ticket asked for on the renewing request belongs to the new session.
    const ticketRes = await call(api(ws, "ws-ticket"), browser(person.cookie, { method: "POST" }));
    const renewed = sessionCookie(ticketRes);
    const { ticket } = (await ticketRes.json()) as { ticket: string };
    const sock = await openSocket(`/w/${ws.id}/ws?ticket=${encodeURIComponent(ticket)}`);
    await waitForFrame(sock, isSnapshot);
    const out = await call(api(ws, "session"), browser(renewed, { method: "DELETE" }));
    expect(out.status).toBe(200);
    expect(await meStatus(ws, renewed)).toBe(401);
    expect((await waitForClose(sock)).code).toBe(1008);

    // The same on the request that renews: the old cookie's request ends both sessions.
    const again = await joinAs(ws, "viewer", "Quinn");
    await call(
      api(ws, `members/${again.member.id}`),
      browserJson("PATCH", { role: "operator" }, admin.cookie),
    );
    const signOut = await call(api(ws, "session"), browser(again.cookie, { method: "DELETE" }));
    expect(signOut.status).toBe(200);
    expect(await meStatus(ws, again.cookie)).toBe(401);
    const left = await runInDurableObject(
      ws.stub,
      (_i, state) =>
        state.storage.sql
          .exec<{ n: number }>(
            "SELECT COUNT(*) AS n FROM member_sessions WHERE member_id = ?",
            again.member.id,
          )
          .one().n,
    );
    expect(left).toBe(0);
  });

  it("disabling a member ends their sessions and closes their open sockets at once", async () => {
    const ws = await makeWorkspace();
    const admin = await joinAs(ws, "admin", "Ada");
    const person = await joinAs(ws, "operator", "Dee");
    const bystander = await joinAs(ws, "viewer", "Bea");
    const sock = await openSocket(`/w/${ws.id}/ws`, browser(person.cookie));
    const other = await openSocket(`/w/${ws.id}/ws`, browser(bystander.cookie));
    await waitForFrame(sock, isSnapshot);
    await waitForFrame(other, isSnapshot);
    const ticket = await call(api(ws, "ws-ticket"), browser(person.cookie, { method: "POST" }));
    const { ticket: unused } = (await ticket.json()) as { ticket: string };

    const res = await call(
      api(ws, `members/${person.member.id}`),
      browserJson("PATCH", { disabled: true }, admin.cookie),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      member: { id: person.member.id, disabledAt: expect.any(String) },
    });
    expect(await waitForClose(sock)).toMatchObject({ code: 1008, reason: "member disabled" });
    expect(await meStatus(ws, person.cookie)).toBe(401);
    expect(await countRows(ws, "member_sessions")).toBe(2);
    // Their unused socket ticket died with their sessions.
    const late = await call(`/w/${ws.id}/ws?ticket=${encodeURIComponent(unused)}`, {
      headers: { Upgrade: "websocket" },
    });
    expect(late.status).toBe(401);
    expect(other.closed).toBeUndefined();
    // The admins' screens hear of it: a members frame with the member disabled.
    const frame = await waitForFrame(other, (f) => f.type === "members");
    expect(JSON.stringify(frame)).toContain(person.member.id);
    expect(JSON.stringify(frame)).not.toContain(person.member.email);
    // Re-enabled, they sign in again through a new invitation's session or a later passkey.
    const enabled = await call(
      api(ws, `members/${person.member.id}`),
      jsonInit("PATCH", { disabled: false }, ws.admin),
    );
    expect(
      ((await enabled.json()) as { member: { disabledAt?: string } }).member.disabledAt,
    ).toBeUndefined();
    expect(await meStatus(ws, person.cookie)).toBe(401);
  });
});

describe("retention", () => {
  it("the hourly retention task removes expired invitations and sessions past their expiry", async () => {
    const ws = await makeWorkspace();
    const live = await joinAs(ws, "viewer", "Liv");
    const gone = await joinAs(ws, "viewer", "Gus");
    const stale = await invite(ws, "viewer");
    await invite(ws, "viewer");
    await runInDurableObject(ws.stub, async (_i, state) => {
      const sql = state.storage.sql;
      sql.exec("UPDATE invitations SET expires_at = ? WHERE id = ?", Date.now() - 1, stale.id);
      sql.exec(
        "UPDATE member_sessions SET expires_at = ? WHERE member_id = ?",
        Date.now() - 1,
        gone.member.id,
      );
      sql.exec(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('alarm:retention', ?)",
        String(Date.now() - 1),
      );
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    expect(await countRows(ws, "invitations")).toBe(1);
    expect(await countRows(ws, "member_sessions")).toBe(1);
    expect(await meStatus(ws, live.cookie)).toBe(200);
  });
});
