import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Actor, Alert, AuditEntry, Incident, ProviderAction } from "../../schema";
import { browser, browserJson, joinAs } from "../helpers/members";
import { ago, liveGithubWorkspace } from "../helpers/github-standin";
import { makeAlert, seedAlerts } from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

vi.setConfig({ testTimeout: 20_000 });

const api = (ws: TestWorkspace, path: string) => `/w/${ws.id}/api/${path}`;

async function audit(ws: TestWorkspace, query = ""): Promise<AuditEntry[]> {
  const res = await call(api(ws, `audit?limit=500${query}`), bearer(ws.admin));
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { entries: AuditEntry[] }).entries;
}

describe("attribution", () => {
  it("names the member on an acknowledgement, its note, an incident and the audit trail", async () => {
    const ws = await makeWorkspace();
    const { member, cookie } = await joinAs(ws, "operator", "Olga Operator");
    const person: Actor = { kind: "member", memberId: member.id, name: "Olga Operator" };
    const [alert] = await seedAlerts(ws.stub, [makeAlert({ id: `a-${crypto.randomUUID()}` })]);

    const acked = await call(
      api(ws, `alerts/${alert!.id}/acknowledge`),
      browserJson("POST", { notes: "looking into it" }, cookie),
    );
    expect(acked.status, await acked.clone().text()).toBe(200);
    const { alert: after } = (await acked.json()) as { alert: Alert };
    expect(after.acknowledgedBy).toBe("Olga Operator");
    expect(after.acknowledgedByActor).toEqual(person);
    expect(after.notes.at(-1)).toMatchObject({ text: "looking into it", actor: person });

    const opened = await call(
      api(ws, "incidents"),
      browserJson(
        "POST",
        { alertId: alert!.id, title: "Checkout down", severity: "error" },
        cookie,
      ),
    );
    expect(opened.status, await opened.clone().text()).toBe(201);
    const { incident } = (await opened.json()) as { incident: Incident };
    expect(incident.createdByActor).toEqual(person);
    const updated = await call(
      api(ws, `incidents/${incident.id}/updates`),
      browserJson("POST", { status: "identified", message: "bad deploy" }, cookie),
    );
    expect(updated.status).toBe(200);
    const full = (await (
      await call(api(ws, `incidents/${incident.id}`), bearer(ws.viewer))
    ).json()) as {
      incident: Incident;
    };
    expect(full.incident.timeline.map((e) => e.actor)).toEqual([person, person]);

    // A token's action is attributed to the token.
    const [second] = await seedAlerts(ws.stub, [makeAlert({ id: `a-${crypto.randomUUID()}` })]);
    const byToken = await call(
      api(ws, `alerts/${second!.id}/acknowledge`),
      jsonInit("POST", {}, ws.operator),
    );
    const tokenAlert = ((await byToken.json()) as { alert: Alert }).alert;
    expect(tokenAlert.acknowledgedByActor).toMatchObject({ kind: "token", name: "operator-bot" });

    // The audit trail names the member, and filters by person.
    const mine = await audit(ws, `&actor=${member.id}`);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.every((e) => e.by?.kind === "member" && e.by.memberId === member.id)).toBe(true);
    expect(mine.map((e) => e.action)).toEqual(
      expect.arrayContaining(["member.join", "session.open"]),
    );
    const everyone = await audit(ws);
    expect(everyone.some((e) => e.by?.kind === "token")).toBe(true);
    await expectProblem(
      await call(api(ws, "audit?actor=..%2Fx"), bearer(ws.admin)),
      400,
      "validation_failed",
    );
  });

  it("keeps audit rows written before members readable: they name a token, with no actor", async () => {
    const ws = await makeWorkspace();
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec(
        "INSERT INTO audit (ts, actor, action, target, before, after) VALUES (?, 'admin', 'token.create', 't1', NULL, NULL)",
        new Date().toISOString(),
      );
    });
    const [newest] = await audit(ws);
    expect(newest).toMatchObject({ actor: "admin", action: "token.create" });
    expect(newest!.by).toBeUndefined();
  });

  it("records who changed the settings", async () => {
    const ws = await makeWorkspace();
    const { member, cookie } = await joinAs(ws, "admin", "Ada Admin");
    const res = await call(
      api(ws, "settings"),
      browserJson("PUT", { retention: { auditDays: 120 } }, cookie),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const [entry] = await audit(ws, `&actor=${member.id}`);
    expect(entry).toMatchObject({ by: { kind: "member", memberId: member.id, name: "Ada Admin" } });
  });
});

describe("the dashboard names who", () => {
  it("links a member's name to the members page, which shows addresses to admins only", async () => {
    const ws = await makeWorkspace();
    const { member, cookie } = await joinAs(ws, "operator", "Eve");
    const admin = await joinAs(ws, "admin", "Ada Admin");
    const [alert] = await seedAlerts(ws.stub, [makeAlert({ id: `a-${crypto.randomUUID()}` })]);
    await call(
      api(ws, `alerts/${alert!.id}/acknowledge`),
      browserJson("POST", { notes: "<script>alert(1)</script>" }, cookie),
    );
    const page = await call(`/w/${ws.id}/alerts/${alert!.id}`, browser(cookie));
    const html = await page.text();
    expect(page.status).toBe(200);
    const link = `href="/w/${ws.id}/members#member-${member.id}"`;
    expect(html.split(link).length - 1).toBeGreaterThanOrEqual(2);
    expect(html).not.toContain("<script>alert(1)");
    // Spaced as prose: "by Eve 1 s ago", "Eve · 1 s ago" (htm drops whitespace at line breaks).
    const text = html.replace(/<[^>]+>/g, "");
    expect(text).toMatch(/by Eve \S/);
    expect(text).toMatch(/Eve · \S/);

    const asOperator = await (await call(`/w/${ws.id}/members`, browser(cookie))).text();
    expect(asOperator).toContain(`id="member-${member.id}"`);
    expect(asOperator).not.toContain(member.email);
    const asAdmin = await (await call(`/w/${ws.id}/members`, browser(admin.cookie))).text();
    expect(asAdmin).toContain(member.email);
  });
});

describe("provider actions name who asked", () => {
  it("records the member who re-ran a pipeline on the action", async () => {
    const { ws } = await liveGithubWorkspace("attr", {
      name: "api",
      runs: [
        {
          id: 301,
          name: "CI",
          status: "completed",
          conclusion: "failure",
          head_sha: "4".repeat(40),
          created_at: ago(3600),
          updated_at: ago(3000),
          jobs: [{ id: 3011, name: "test", status: "completed", conclusion: "failure" }],
        },
      ],
    });
    const { member, cookie } = await joinAs(ws, "operator", "Rita");
    const res = await call(api(ws, "pipeline/gh-run-301/rerun"), browserJson("POST", {}, cookie));
    expect(res.status, await res.clone().text()).toBe(200);
    const { action } = (await res.json()) as { action: ProviderAction };
    expect(action).toMatchObject({
      actor: "Rita",
      actorRef: { kind: "member", memberId: member.id, name: "Rita" },
    });
  });
});
