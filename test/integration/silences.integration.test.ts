import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Silence } from "../../schema";
import { amAlert, amGroup, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import { closeAllSockets, openSocket, waitForFrame } from "../helpers/ws";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);
afterEach(() => closeAllSockets());

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
/** Alarm tasks run only once their stored time has passed: wait for it for real. */
const untilPast = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()) + 100));

async function setup() {
  const ws = await makeWorkspace("sil");
  const am = await makeIntegration(ws, "alertmanager");
  const deliver = (alerts: Parameters<typeof amGroup>[0]) =>
    postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup(alerts), {
      Authorization: `Bearer ${am.credential}`,
    });
  return { ws, deliver };
}

async function createSilence(ws: TestWorkspace, body: object, token = ws.operator) {
  return call(`/w/${ws.id}/api/silences`, jsonInit("POST", body, token));
}

const silenceBody = (over: object = {}) => ({
  matchers: [{ name: "alertname", op: "=", value: "Alertdisk" }],
  endsAt: inMinutes(60),
  comment: "disk replacement under way",
  ...over,
});

const statusOf = async (ws: TestWorkspace) =>
  Object.fromEntries((await listAlerts(ws)).map((a) => [a.fingerprint, a.status]));

describe("silences", () => {
  it("suppress matching alerts (existing and new) until expired early; audited", async () => {
    const { ws, deliver } = await setup();
    await deliver([amAlert("disk"), amAlert("cpu")]);
    const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await waitForFrame(sock, (f) => f.type === "snapshot");

    const res = await createSilence(ws, silenceBody());
    expect(res.status).toBe(201);
    const { silence } = (await res.json()) as { silence: Silence };
    expect(silence).toMatchObject({
      kind: "silence",
      state: "active",
      createdBy: "operator-bot",
      comment: "disk replacement under way",
    });
    expect(await statusOf(ws)).toEqual({ disk: "suppressed", cpu: "firing" });
    const frame = await waitForFrame(sock, (f) => f.type === "alerts");
    expect(
      frame.type === "alerts" && frame.payload.find((a) => a.fingerprint === "disk"),
    ).toMatchObject({
      status: "suppressed",
      silencedBy: [silence.id],
    });

    // A later notification of a matching alert arrives suppressed; a new one too.
    await deliver([amAlert("disk"), amAlert("disk", { startsAt: "2026-02-01T00:00:00Z" })]);
    expect((await listAlerts(ws)).filter((a) => a.status === "suppressed")).toHaveLength(2);

    const expired = await call(
      `/w/${ws.id}/api/silences/${silence.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(expired.status).toBe(200);
    const after = ((await expired.json()) as { silence: Silence }).silence;
    expect(after).toMatchObject({ state: "expired", expiredBy: "operator-bot" });
    expect((await listAlerts(ws)).map((a) => a.status)).toEqual(["firing", "firing", "firing"]);
    // Expiring again is idempotent: the same silence, no second audit entry.
    const again = await call(
      `/w/${ws.id}/api/silences/${silence.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(((await again.json()) as { silence: Silence }).silence).toEqual(after);

    const audit = (await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).json()) as {
      entries: Array<{ action: string; actor: string }>;
    };
    const actions = audit.entries.map((e) => e.action);
    expect(actions.filter((a) => a.startsWith("silence."))).toEqual([
      "silence.expire",
      "silence.create",
    ]);
  });

  it("lift suppression when they end on their own (the alarm at endsAt)", async () => {
    const { ws, deliver } = await setup();
    await deliver([amAlert("disk")]);
    const endsAt = Date.now() + 1500;
    await createSilence(ws, silenceBody({ endsAt: new Date(endsAt).toISOString() }));
    expect(await statusOf(ws)).toEqual({ disk: "suppressed" });
    await untilPast(endsAt);
    // The alarm is set for endsAt; run it now in case the runtime has not yet.
    await runDurableObjectAlarm(ws.stub);
    expect(await statusOf(ws)).toEqual({ disk: "firing" });
  });

  it("support regex matchers and list by state", async () => {
    const { ws, deliver } = await setup();
    await deliver([amAlert("disk"), amAlert("cpu"), amAlert("mem")]);
    await createSilence(
      ws,
      silenceBody({
        matchers: [
          { name: "alertname", op: "=~", value: "Alert(disk|cpu)" },
          { name: "instance", op: "!~", value: "host-cpu" },
        ],
      }),
    );
    expect(await statusOf(ws)).toEqual({ disk: "suppressed", cpu: "firing", mem: "firing" });
    await createSilence(ws, silenceBody({ startsAt: inMinutes(10), endsAt: inMinutes(20) }));
    const list = async (q: string) =>
      (
        (await (await call(`/w/${ws.id}/api/silences${q}`, bearer(ws.viewer))).json()) as {
          silences: Silence[];
        }
      ).silences;
    expect(await list("")).toHaveLength(2);
    expect((await list("?state=pending")).map((s) => s.state)).toEqual(["pending"]);
    expect(await list("?state=expired")).toEqual([]);
  });

  const invalid: Array<[string, object, string]> = [
    ["invalid regex", { matchers: [{ name: "a", op: "=~", value: "(" }] }, "json.matchers.0.value"],
    [
      "backreference (not RE2)",
      { matchers: [{ name: "a", op: "=~", value: "(a)\\1" }] },
      "json.matchers.0.value",
    ],
    [
      "pattern compiling to too large a program",
      { matchers: [{ name: "a", op: "=~", value: "(.*){1,1000}x" }] },
      "json.matchers.0.value",
    ],
    [
      "lookahead",
      { matchers: [{ name: "a", op: "=~", value: "(?=x)x" }] },
      "json.matchers.0.value",
    ],
    ["unknown operator", { matchers: [{ name: "a", op: "==", value: "x" }] }, "json.matchers.0.op"],
    ["matches everything", { matchers: [{ name: "a", op: "=~", value: ".*" }] }, "json.matchers"],
    ["no matchers", { matchers: [] }, "json.matchers"],
    [
      "21 matchers",
      { matchers: Array.from({ length: 21 }, () => ({ name: "a", op: "=", value: "b" })) },
      "json.matchers",
    ],
    ["no comment", { comment: undefined }, "json.comment"],
    ["blank comment", { comment: "  " }, "json.comment"],
    ["endsAt before startsAt", { startsAt: inMinutes(30), endsAt: inMinutes(10) }, "json.endsAt"],
    ["endsAt in the past", { endsAt: inMinutes(-1) }, "json.endsAt"],
    [
      "longer than a year",
      { startsAt: inMinutes(0), endsAt: inMinutes(60 * 24 * 400) },
      "json.endsAt",
    ],
    ["endsAt not a time", { endsAt: "tomorrow" }, "json.endsAt"],
    ["unknown field", { createdBy: "someone-else" }, "json.createdBy"],
    [
      "NUL in value",
      { matchers: [{ name: "a", op: "=", value: "x\u0000" }] },
      "json.matchers.0.value",
    ],
  ];
  for (const [name, over, path] of invalid) {
    it(`refuse ${name} with 400 and the failing field`, async () => {
      const ws = await makeWorkspace("sil");
      const problem = (await expectProblem(
        await createSilence(ws, silenceBody(over)),
        400,
        "validation_failed",
      )) as unknown as { issues: Array<{ path: string }> };
      expect(problem.issues.map((i) => i.path)).toContain(path);
    });
  }

  it("let viewers read, operators create and expire; refuse the rest", async () => {
    const ws = await makeWorkspace("sil");
    await expectProblem(await createSilence(ws, silenceBody(), ws.viewer), 403, "forbidden");
    await expectProblem(
      await call(`/w/${ws.id}/api/silences`, jsonInit("POST", silenceBody())),
      401,
      "unauthenticated",
    );
    await expectProblem(await call(`/w/${ws.id}/api/silences`), 401, "unauthenticated");
    const created = (await (await createSilence(ws, silenceBody())).json()) as { silence: Silence };
    const id = created.silence.id;
    expect((await call(`/w/${ws.id}/api/silences/${id}`, bearer(ws.viewer))).status).toBe(200);
    await expectProblem(
      await call(`/w/${ws.id}/api/silences/${id}`, bearer(ws.viewer, { method: "DELETE" })),
      403,
      "forbidden",
    );
    // A silence is not a maintenance window, and unknown or malformed ids are refused.
    await expectProblem(
      await call(`/w/${ws.id}/api/maintenance/${id}`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/silences/nope`, bearer(ws.operator, { method: "DELETE" })),
      404,
      "not_found",
    );
    const traversal = await call(`/w/${ws.id}/api/silences/..%2F..%2Fetc`, bearer(ws.viewer));
    expect([400, 404]).toContain(traversal.status);
    // Another workspace's token never reaches this workspace.
    const other = await makeWorkspace("sil");
    await expectProblem(
      await call(`/w/${ws.id}/api/silences/${id}`, bearer(other.admin)),
      404,
      "not_found",
    );
  });
});

describe("maintenance windows", () => {
  it("suppress every alert during the window when they have no matchers", async () => {
    const { ws, deliver } = await setup();
    await deliver([amAlert("disk"), amAlert("cpu")]);
    const res = await call(
      `/w/${ws.id}/api/maintenance`,
      jsonInit(
        "POST",
        {
          name: "Database upgrade",
          startsAt: inMinutes(-1),
          endsAt: inMinutes(60),
          comment: "CHG-1234",
        },
        ws.operator,
      ),
    );
    expect(res.status).toBe(201);
    const { window } = (await res.json()) as { window: Silence };
    expect(window).toMatchObject({ kind: "maintenance", name: "Database upgrade", matchers: [] });
    expect(await statusOf(ws)).toEqual({ disk: "suppressed", cpu: "suppressed" });
    await deliver([amAlert("new")]);
    expect((await statusOf(ws)).new).toBe("suppressed");
    const list = (await (await call(`/w/${ws.id}/api/maintenance`, bearer(ws.viewer))).json()) as {
      windows: Silence[];
    };
    expect(list.windows.map((w) => w.id)).toEqual([window.id]);
    expect(
      (await call(`/w/${ws.id}/api/silences`, bearer(ws.viewer)).then((r) => r.json())) as object,
    ).toEqual({ silences: [] });
    await call(
      `/w/${ws.id}/api/maintenance/${window.id}`,
      bearer(ws.operator, { method: "DELETE" }),
    );
    expect(await statusOf(ws)).toEqual({ disk: "firing", cpu: "firing", new: "firing" });
  });

  it("take effect when a scheduled window starts (the alarm at startsAt), scoped by matchers", async () => {
    const { ws, deliver } = await setup();
    await deliver([amAlert("disk"), amAlert("cpu")]);
    const startsAt = Date.now() + 1500;
    await call(
      `/w/${ws.id}/api/maintenance`,
      jsonInit(
        "POST",
        {
          name: "Disk swap",
          matchers: [{ name: "instance", op: "=", value: "host-disk" }],
          startsAt: new Date(startsAt).toISOString(),
          endsAt: inMinutes(65),
          comment: "planned",
        },
        ws.operator,
      ),
    );
    expect(await statusOf(ws)).toEqual({ disk: "firing", cpu: "firing" });
    await untilPast(startsAt);
    await runDurableObjectAlarm(ws.stub);
    expect(await statusOf(ws)).toEqual({ disk: "suppressed", cpu: "firing" });
  });

  it("validate their bodies and roles", async () => {
    const ws = await makeWorkspace("sil");
    const post = (body: object, token = ws.operator) =>
      call(`/w/${ws.id}/api/maintenance`, jsonInit("POST", body, token));
    const good = { name: "x", startsAt: inMinutes(1), endsAt: inMinutes(2), comment: "why" };
    await expectProblem(await post({ ...good, name: "" }), 400, "validation_failed");
    await expectProblem(await post({ ...good, startsAt: undefined }), 400, "validation_failed");
    await expectProblem(await post({ ...good, endsAt: good.startsAt }), 400, "validation_failed");
    await expectProblem(await post(good, ws.viewer), 403, "forbidden");
    expect((await post(good)).status).toBe(201);
  });
});
