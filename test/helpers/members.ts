import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { IssuedInvitation, Member, Role } from "../../schema";
import { BASE, call, jsonInit, type TestWorkspace } from "./workspace";

/** Invites `email` to `role` with the workspace's admin token; the secret is in the result. */
export async function invite(
  ws: TestWorkspace,
  role: Role,
  email = `${role}-${crypto.randomUUID().slice(0, 6)}@example.com`,
): Promise<IssuedInvitation> {
  const res = await call(
    `/w/${ws.id}/api/invitations`,
    jsonInit("POST", { email, role }, ws.admin),
  );
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { invitation: IssuedInvitation }).invitation;
}

/** The `name=value` of a response's session cookie. */
export function sessionCookie(res: Response): string {
  const header = res.headers.get("Set-Cookie") ?? "";
  const pair = header.split(";")[0] ?? "";
  expect(pair).toMatch(/^opsdeck_session=ods\./);
  return pair;
}

/** Request options a browser on the Opsdeck page sends: the cookie and our own origin. */
export function browser(cookie: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Cookie", cookie);
  headers.set("Origin", BASE);
  return { ...init, headers };
}

/** A JSON request from the Opsdeck page with a session cookie. */
export function browserJson(method: string, body: unknown, cookie: string): RequestInit {
  return browser(cookie, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Accepts an invitation as a browser would; returns the new member and their cookie. */
export async function accept(
  ws: TestWorkspace,
  token: string,
  name = "Alice Example",
  init: RequestInit = {},
): Promise<{ member: Member; cookie: string; res: Response }> {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json");
  headers.set("Origin", BASE);
  headers.set(
    "User-Agent",
    "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
  );
  const res = await call(`/w/${ws.id}/api/invitations/accept`, {
    method: "POST",
    headers,
    body: JSON.stringify({ token, name }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { member } = (await res.json()) as { member: Member };
  return { member, cookie: sessionCookie(res), res };
}

/** A member of `role` signed in with a browser session. */
export async function joinAs(
  ws: TestWorkspace,
  role: Role,
  name = `${role} person`,
): Promise<{ member: Member; cookie: string }> {
  const invitation = await invite(ws, role);
  return accept(ws, invitation.token, name);
}

/** Rows of a table, straight from the object's storage (to prove nothing was stored). */
export const countRows = (
  ws: TestWorkspace,
  table: "members" | "invitations" | "member_sessions",
) =>
  runInDurableObject(
    ws.stub,
    (_i, state) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n,
  );
