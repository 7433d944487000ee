import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { IssuedWebhookIntegration, SourceStatus, WebhookIntegration } from "../../schema";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

const path = (id: string) => `/w/${id}/api/integrations/webhooks`;

describe("webhook integrations", () => {
  it("creates each kind, returns the credential once, and never again", async () => {
    const ws = await makeWorkspace();
    const made: IssuedWebhookIntegration[] = [];
    for (const body of [
      { kind: "github", name: "gh", secret: "It's a Secret to Everybody" },
      { kind: "alertmanager", name: "am" },
      { kind: "grafana", name: "gf" },
      { kind: "pagerduty", name: "pd" },
    ]) {
      const res = await call(path(ws.id), jsonInit("POST", body, ws.admin));
      expect(res.status).toBe(201);
      made.push((await res.json()) as IssuedWebhookIntegration);
    }
    expect(made[0]!.credential).toBe("It's a Secret to Everybody");
    expect(made[1]!.credential).toMatch(new RegExp(`^amk\\.${ws.id}\\.`));
    expect(made[3]!.credential).toMatch(new RegExp(`^pdk\\.${ws.id}\\.`));
    expect(made[3]!.integration.endpoint).toBe("/v2/enqueue");
    expect(made[1]!.integration.endpoint).toBe(`/w/${ws.id}/hooks/alertmanager`);
    expect(made[2]!.integration.grafana?.signatureHeaders).toHaveLength(2);

    const listed = await call(path(ws.id), bearer(ws.admin));
    const text = await listed.text();
    for (const m of made) expect(text).not.toContain(m.credential);
    const { integrations } = JSON.parse(text) as { integrations: WebhookIntegration[] };
    expect(integrations.every((i) => i.secretSet && i.stats.accepted === 0)).toBe(true);

    // Secrets are sealed or hashed at rest, never stored in clear.
    const rows = await runInDurableObject(ws.stub, (_i, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT * FROM webhook_integrations").toArray()),
    );
    for (const m of made) expect(rows).not.toContain(m.credential);

    const status = (await (await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).json()) as {
      sources: SourceStatus[];
    };
    const byId = Object.fromEntries(status.sources.map((s) => [s.id, s.status]));
    expect(byId).toMatchObject({
      github: "pending",
      alertmanager: "pending",
      grafana: "pending",
      pagerduty: "pending",
      aws: "not_configured",
    });
  });

  it("rotates with an overlap and deletes", async () => {
    const ws = await makeWorkspace();
    const created = (await (
      await call(path(ws.id), jsonInit("POST", { kind: "alertmanager", name: "am" }, ws.admin))
    ).json()) as IssuedWebhookIntegration;
    const id = created.integration.id;
    const rotated = await call(
      `${path(ws.id)}/${id}/rotate`,
      jsonInit("POST", { overlapSeconds: 60 }, ws.admin),
    );
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as IssuedWebhookIntegration;
    expect(body.credential).not.toBe(created.credential);
    expect(body.integration.previousSecretUntil).toBeDefined();
    const both = await runInDurableObject(ws.stub, async (instance) => {
      const store = (
        instance as unknown as {
          c: {
            webhooks: {
              store: { byCredential(k: string, c: string, n: Date): Promise<string | undefined> };
            };
          };
        }
      ).c.webhooks.store;
      return [
        await store.byCredential("alertmanager", created.credential, new Date()),
        await store.byCredential("alertmanager", body.credential, new Date()),
      ];
    });
    expect(both).toEqual([id, id]);
    await expectProblem(
      await call(
        `${path(ws.id)}/${id}/rotate`,
        jsonInit("POST", { secret: "chosen-secret" }, ws.admin),
      ),
      400,
      "validation_failed",
    );
    expect(
      (await call(`${path(ws.id)}/${id}`, bearer(ws.admin, { method: "DELETE" }))).status,
    ).toBe(200);
    await expectProblem(
      await call(`${path(ws.id)}/${id}`, bearer(ws.admin, { method: "DELETE" })),
      404,
      "not_found",
    );
  });

  it("validates input and requires the admin role", async () => {
    const ws = await makeWorkspace();
    await expectProblem(
      await call(path(ws.id), jsonInit("POST", { kind: "slack", name: "x" }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        path(ws.id),
        jsonInit("POST", { kind: "github", name: "x", secret: "short" }, ws.admin),
      ),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        path(ws.id),
        jsonInit("POST", { kind: "alertmanager", name: "x", secret: "chosen-one" }, ws.admin),
      ),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        path(ws.id),
        jsonInit(
          "POST",
          { kind: "grafana", name: "x", options: { signatureHeaders: ["bad header"] } },
          ws.admin,
        ),
      ),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(path(ws.id), jsonInit("POST", { kind: "github", name: "x" }, ws.operator)),
      403,
      "forbidden",
    );
    await expectProblem(await call(path(ws.id), bearer(ws.viewer)), 403, "forbidden");
    await expectProblem(await call(path(ws.id)), 401, "unauthenticated");
  });
});
