import { describe, expect, it } from "vitest";
import type { AuditEntry, IssuedToken, IssuedWebhookIntegration } from "../../schema";
import { makeAlert, seedAlerts } from "../helpers/seed";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

type Page = { entries: AuditEntry[]; next?: number };

async function page(wsId: string, admin: string, query = ""): Promise<Page> {
  const res = await call(`/w/${wsId}/api/audit${query}`, bearer(admin));
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function allEntries(wsId: string, admin: string): Promise<AuditEntry[]> {
  return (await page(wsId, admin, "?limit=500")).entries;
}

describe("audit trail", () => {
  it("pages newest first with a before cursor, without gaps or repeats", async () => {
    const ws = await makeWorkspace("audit");
    for (let i = 0; i < 7; i++)
      await call(
        `/w/${ws.id}/api/tokens`,
        jsonInit("POST", { name: `bot ${i}`, role: "viewer" }, ws.admin),
      );
    const everything = await allEntries(ws.id, ws.admin);
    expect(everything.length).toBeGreaterThanOrEqual(10);
    const ids = everything.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const seen: number[] = [];
    let query = "?limit=3";
    for (let guard = 0; guard < 20; guard++) {
      const { entries, next } = await page(ws.id, ws.admin, query);
      expect(entries.length).toBeLessThanOrEqual(3);
      seen.push(...entries.map((e) => e.id));
      if (next === undefined) break;
      expect(next).toBe(entries.at(-1)?.id);
      query = `?limit=3&before=${next}`;
    }
    expect(seen).toEqual(ids);
    const { entries: older } = await page(ws.id, ws.admin, `?limit=2&before=${ids[2]}`);
    expect(older.map((e) => e.id)).toEqual(ids.slice(3, 5));
    expect(older[0]).toMatchObject({ actor: "admin", action: "token.create" });
    expect(Date.parse(older[0]!.ts)).not.toBeNaN();
  });

  it("records every mutation and configuration change, by token name", async () => {
    const ws = await makeWorkspace("audit");
    const alert = makeAlert();
    await seedAlerts(ws.stub, [alert]);
    const api = `/w/${ws.id}/api`;
    const steps: Array<[string, RequestInit]> = [
      [`${api}/settings`, jsonInit("PUT", { thresholds: { cpu: 70 } }, ws.admin)],
      [
        `${api}/integrations/webhooks`,
        jsonInit("POST", { kind: "alertmanager", name: "am" }, ws.admin),
      ],
      [`${api}/session`, jsonInit("POST", { token: ws.operator })],
      [`${api}/alerts/${alert.id}/acknowledge`, jsonInit("POST", { notes: "mine" }, ws.operator)],
      [
        `${api}/incidents`,
        jsonInit("POST", { alertId: alert.id, title: "t", severity: "info" }, ws.operator),
      ],
      [`${api}/alerts/${alert.id}/resolve`, jsonInit("POST", {}, ws.operator)],
      [`${api}/alerts/${alert.id}`, bearer(ws.operator, { method: "DELETE" })],
    ];
    for (const [path, init] of steps)
      expect((await call(path, init)).status, path).toBeLessThan(300);
    const tokens = await call(`${api}/tokens`, bearer(ws.admin));
    const viewer = (
      (await tokens.json()) as { tokens: Array<{ id: string; role: string }> }
    ).tokens.find((t) => t.role === "viewer")!;
    await call(`${api}/tokens/${viewer.id}`, bearer(ws.admin, { method: "DELETE" }));

    const entries = await allEntries(ws.id, ws.admin);
    const byAction = (action: string) => entries.find((e) => e.action === action);
    expect(byAction("settings.update")).toMatchObject({ actor: "admin", target: "settings" });
    expect(byAction("settings.update")?.before).toMatchObject({ thresholds: { cpu: 80 } });
    expect(byAction("settings.update")?.after).toMatchObject({ thresholds: { cpu: 70 } });
    expect(byAction("webhook.create")).toMatchObject({ actor: "admin" });
    expect(byAction("session.open")).toMatchObject({ actor: "operator-bot" });
    expect(byAction("alert.acknowledge")).toMatchObject({
      actor: "operator-bot",
      target: alert.id,
    });
    expect(byAction("incident.create")).toMatchObject({ actor: "operator-bot" });
    expect(byAction("alert.resolve")).toMatchObject({ actor: "operator-bot", target: alert.id });
    expect(byAction("alert.dismiss")).toMatchObject({ actor: "operator-bot", target: alert.id });
    expect(byAction("token.revoke")).toMatchObject({ actor: "admin", target: viewer.id });
    expect(byAction("token.revoke")?.after).toHaveProperty("revokedAt");
    for (const action of ["workspace.create", "token.create"])
      expect(byAction(action)).toBeDefined();
  });

  it("never contains a secret: tokens, webhook credentials, settings secrets", async () => {
    const ws = await makeWorkspace("audit");
    const api = `/w/${ws.id}/api`;
    const minted = (await (
      await call(`${api}/tokens`, jsonInit("POST", { name: "ci", role: "operator" }, ws.admin))
    ).json()) as { token: IssuedToken };
    const hook = (await (
      await call(
        `${api}/integrations/webhooks`,
        jsonInit("POST", { kind: "github", name: "gh", secret: "gh-webhook-secret-123" }, ws.admin),
      )
    ).json()) as IssuedWebhookIntegration;
    const rotated = (await (
      await call(
        `${api}/integrations/webhooks/${hook.integration.id}/rotate`,
        jsonInit("POST", {}, ws.admin),
      )
    ).json()) as IssuedWebhookIntegration;
    const pd = (await (
      await call(
        `${api}/integrations/webhooks`,
        jsonInit("POST", { kind: "pagerduty", name: "pd" }, ws.admin),
      )
    ).json()) as IssuedWebhookIntegration;
    const settings = {
      integrations: {
        github: { enabled: true, token: "ghp_settingsSecretToken0123456789" },
        aws: {
          enabled: true,
          accessKey: "AKIAEXAMPLEACCESSKEY",
          secretKey: "aws/Secret+Key/0123456789",
        },
      },
    };
    expect((await call(`${api}/settings`, jsonInit("PUT", settings, ws.admin))).status).toBe(200);
    const session = await call(`${api}/session`, jsonInit("POST", { token: minted.token.token }));
    const cookie = session.headers.get("Set-Cookie") ?? "";
    const sessionSecret = /opsdeck_session=([^;]+)/.exec(cookie)?.[1] ?? "missing";

    const text = JSON.stringify(await allEntries(ws.id, ws.admin));
    for (const secret of [
      ws.admin,
      ws.operator,
      ws.viewer,
      minted.token.token,
      hook.credential,
      rotated.credential,
      pd.credential,
      "gh-webhook-secret-123",
      "ghp_settingsSecretToken0123456789",
      "AKIAEXAMPLEACCESSKEY",
      "aws/Secret+Key/0123456789",
      sessionSecret,
    ])
      expect(text, "audit leaks a secret").not.toContain(secret);
    for (const prefix of ["odk.", "ods.", "odt.", "v1."]) expect(text).not.toContain(prefix);
  });

  it("is admin only; bad paging parameters are 400", async () => {
    const ws = await makeWorkspace("audit");
    const other = await makeWorkspace("other");
    await expectProblem(await call(`/w/${ws.id}/api/audit`), 401, "unauthenticated");
    await expectProblem(await call(`/w/${ws.id}/api/audit`, bearer(ws.viewer)), 403, "forbidden");
    await expectProblem(await call(`/w/${ws.id}/api/audit`, bearer(ws.operator)), 403, "forbidden");
    await expectProblem(await call(`/w/${ws.id}/api/audit`, bearer(other.admin)), 404, "not_found");
    for (const query of [
      "limit=0",
      "limit=501",
      "limit=abc",
      "before=-1",
      "before=0",
      "before=1.5",
    ])
      await expectProblem(
        await call(`/w/${ws.id}/api/audit?${query}`, bearer(ws.admin)),
        400,
        "validation_failed",
      );
  });

  it("is append-only: no route changes or deletes entries", async () => {
    const ws = await makeWorkspace("audit");
    const before = await allEntries(ws.id, ws.admin);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await call(`/w/${ws.id}/api/audit`, bearer(ws.admin, { method }));
      expect(res.status).toBe(404);
    }
    expect(await allEntries(ws.id, ws.admin)).toEqual(before);
  });
});
