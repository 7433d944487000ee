// Property test over ../shared/notes/bad-inputs.md: random hostile bodies, headers, ids and
// socket frames against the running Worker. Whatever arrives, the answer is never a 5xx, a 4xx
// is a problem document (PagerDuty's route answers in its own protocol), and nothing stored
// before the flood is lost. The seed is fixed so a failure reproduces; set FC_SEED to explore.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amAlert, amGroup, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import { captureConsole } from "../helpers/console";
import { closeAllSockets, openSocket, pingPong, upgradeInit } from "../helpers/ws";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

const SEED = Number(process.env.FC_SEED ?? 1_407_2026);

/** Strings the notes name: NUL, RTL override, markup, traversal, lone surrogates, 10k+ chars. */
const hostileString = fc.oneof(
  fc.constantFrom(
    "",
    "\u0000",
    "a\u0000b",
    "\u202Egnp.exe",
    '<script>alert("XSS")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "..%2F..%2Fetc%2Fpasswd",
    "../../etc/passwd",
    "\uD800",
    "x".repeat(10_001),
    "𝕏".repeat(3_000),
    "__proto__",
    "constructor",
    "(.|.)*",
    "((.+))+",
    "(.*a){12}",
    "1e309",
    "-1",
    "0001-01-01T00:00:00Z",
    "2026-13-45T99:99:99Z",
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const hostileKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "", "a".repeat(300), "\u0000"),
  fc.string({ maxLength: 12 }),
);

const { hostileValue } = fc.letrec((tie) => ({
  hostileValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("hostileValue"), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie("hostileValue"), { maxKeys: 4 }),
  ),
}));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside a JSON template (objects and arrays), root included. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value && typeof value === "object")
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

/** The template with the value at `path` replaced (or removed when `replacement` is undefined). */
function mutate(template: Json, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(template) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

const rawBody = fc.oneof(
  fc.constantFrom("", "{", '{"a":', "[]", "42", '"text"', "null", "not json", "\u0000\u0001"),
  fc.string({ unit: "binary", maxLength: 200 }),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
);

type Target = {
  name: string;
  method: string;
  path: (ws: TestWorkspace, id: string) => string;
  token?: (ws: TestWorkspace) => string;
  template: Json;
  /** Answers in its own protocol (PagerDuty Events v2), not problem+json. */
  ownProtocol?: boolean;
};

let ws: TestWorkspace;
let amk = "";
let pdk = "";
const seeded = { alertIds: [] as string[], incidentId: "", silenceId: "" };

const hour = () => new Date(Date.now() + 3_600_000).toISOString();

function targets(): Target[] {
  return [
    {
      name: "alertmanager hook",
      method: "POST",
      path: (w) => `/w/${w.id}/hooks/alertmanager`,
      token: () => amk,
      template: amGroup([amAlert("prop0001")]) as unknown as Json,
    },
    {
      name: "pagerduty enqueue",
      method: "POST",
      path: () => `/v2/enqueue`,
      template: {
        routing_key: pdk,
        event_action: "trigger",
        dedup_key: "prop",
        payload: { summary: "prop", severity: "error", source: "prop-host" },
      },
      ownProtocol: true,
    },
    {
      name: "grafana hook without signature",
      method: "POST",
      path: (w) => `/w/${w.id}/hooks/grafana`,
      template: { receiver: "x", status: "firing", alerts: [], version: "1" },
    },
    {
      name: "incidents",
      method: "POST",
      path: (w) => `/w/${w.id}/api/incidents`,
      token: (w) => w.operator,
      template: { alertId: seeded.alertIds[0] ?? "x", title: "prop", severity: "warning" },
    },
    {
      name: "silences",
      method: "POST",
      path: (w) => `/w/${w.id}/api/silences`,
      token: (w) => w.operator,
      template: {
        matchers: [{ name: "instance", op: "=~", value: "db-.*" }],
        endsAt: hour(),
        comment: "prop",
      },
    },
    {
      name: "alert rules",
      method: "POST",
      path: (w) => `/w/${w.id}/api/alert-rules`,
      token: (w) => w.operator,
      template: { metric: "cpu", comparator: "gt", value: 90, severity: "warning" },
    },
    {
      name: "metric samples",
      method: "POST",
      path: (w) => `/w/${w.id}/api/metrics/samples`,
      token: (w) => w.operator,
      template: { samples: [{ metric: "cpu", value: 12.5, unit: "%" }] },
    },
    {
      name: "acknowledge by hostile id",
      method: "POST",
      path: (w, id) => `/w/${w.id}/api/alerts/${encodeURIComponent(id)}/acknowledge`,
      token: (w) => w.operator,
      template: {},
    },
    {
      name: "incident update by hostile id",
      method: "POST",
      path: (w, id) => `/w/${w.id}/api/incidents/${encodeURIComponent(id)}/updates`,
      token: (w) => w.operator,
      template: { status: "identified", message: "prop" },
    },
    {
      name: "sign in",
      method: "POST",
      path: (w) => `/w/${w.id}/api/session`,
      template: { token: "odk.nobody.wrong" },
    },
    {
      name: "viewer writing settings",
      method: "PUT",
      path: (w) => `/w/${w.id}/api/settings`,
      token: (w) => w.viewer,
      template: { alerts: { minSeverity: "warning" } },
    },
  ];
}

async function counts(): Promise<{ alerts: number; incidents: number; silences: number }> {
  const get = async (path: string, key: string) => {
    const res = await call(`/w/${ws.id}/api/${path}`, bearer(ws.admin));
    expect(res.status).toBe(200);
    return ((await res.json()) as Record<string, unknown[]>)[key]?.length ?? 0;
  };
  return {
    alerts: (await listAlerts(ws)).length,
    incidents: await get("incidents", "incidents"),
    silences: await get("silences", "silences"),
  };
}

async function expectWellFormed(res: Response, target: Target): Promise<void> {
  const text = await res.text();
  expect(res.status, `${target.name}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status < 400 || target.ownProtocol) return;
  expect(res.headers.get("Content-Type") ?? "", `${target.name} ${res.status}`).toMatch(
    /^application\/problem\+json/,
  );
  const body = JSON.parse(text) as Record<string, unknown>;
  for (const field of ["type", "title", "status", "detail", "code"])
    expect(body, `${target.name}: ${text.slice(0, 300)}`).toHaveProperty(field);
}

beforeAll(async () => {
  ws = await makeWorkspace("prop");
  amk = (await makeIntegration(ws, "alertmanager")).credential;
  pdk = (await makeIntegration(ws, "pagerduty")).credential;
  const am = await postJson(
    `/w/${ws.id}/hooks/alertmanager`,
    amGroup([amAlert("seed0001"), amAlert("seed0002")]),
    { Authorization: `Bearer ${amk}` },
  );
  expect(am.status).toBe(200);
  seeded.alertIds = (await listAlerts(ws)).map((a) => a.id);
  const incident = await call(
    `/w/${ws.id}/api/incidents`,
    jsonInit(
      "POST",
      { alertId: seeded.alertIds[0], title: "Seeded", severity: "critical" },
      ws.operator,
    ),
  );
  expect(incident.status).toBe(201);
  seeded.incidentId = ((await incident.json()) as { incident: { id: string } }).incident.id;
  const silence = await call(
    `/w/${ws.id}/api/silences`,
    jsonInit(
      "POST",
      { matchers: [{ name: "instance", op: "=", value: "seed" }], endsAt: hour(), comment: "seed" },
      ws.operator,
    ),
  );
  expect(silence.status).toBe(201);
  seeded.silenceId = ((await silence.json()) as { silence: { id: string } }).silence.id;
});

afterAll(() => closeAllSockets());

describe("hostile requests (bad-inputs.md)", () => {
  it("never get a 5xx, 4xx are problem documents, and nothing stored is lost", async () => {
    const console = captureConsole("error");
    const before = await counts();
    const all = targets();
    const request = fc.record({
      target: fc.integer({ min: 0, max: all.length - 1 }),
      body: fc.oneof(
        { weight: 3, arbitrary: fc.tuple(fc.nat(), hostileValue).map(([i, v]) => ({ i, v })) },
        { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constant(undefined)).map(([i]) => ({ i })) },
        { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) },
      ),
      contentType: fc.oneof({ weight: 4, arbitrary: fc.constant("application/json") }, contentType),
      id: hostileString,
      withToken: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constant(false)),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const target = all[r.target] as Target;
        let body: string;
        if ("raw" in r.body) body = r.body.raw;
        else {
          const paths = pathsOf(target.template);
          const path = paths[r.body.i % paths.length] as (string | number)[];
          body = JSON.stringify(
            mutate(target.template, path, "v" in r.body ? r.body.v : undefined),
          );
        }
        const headers = new Headers();
        if (r.contentType) headers.set("Content-Type", r.contentType);
        if (r.withToken && target.token) headers.set("Authorization", `Bearer ${target.token(ws)}`);
        const res = await call(target.path(ws, r.id), { method: target.method, headers, body });
        await expectWellFormed(res, target);
      }),
      { numRuns: 150, seed: SEED, endOnFailure: true },
    );
    const after = await counts();
    expect(after.alerts).toBeGreaterThanOrEqual(before.alerts);
    expect(after.incidents).toBeGreaterThanOrEqual(before.incidents);
    expect(after.silences).toBeGreaterThanOrEqual(before.silences);
    const incident = await call(
      `/w/${ws.id}/api/incidents/${seeded.incidentId}`,
      bearer(ws.viewer),
    );
    expect(incident.status).toBe(200);
    for (const id of seeded.alertIds)
      expect((await call(`/w/${ws.id}/api/alerts/${id}`, bearer(ws.viewer))).status).toBe(200);
    expect(console.lines().filter((l) => /TypeError|RangeError|SyntaxError/.test(l))).toEqual([]);
  });
});

describe("hostile socket frames (bad-inputs.md)", () => {
  const frame = fc.oneof(
    hostileValue.map((v) => JSON.stringify(v)),
    hostileValue.map((v) => JSON.stringify({ type: "resume", lastSeq: v })),
    hostileString.map((t) => JSON.stringify({ type: t })),
    rawBody,
    fc.uint8Array({ maxLength: 64 }),
    fc.constant("x".repeat(1_100_000)),
  );

  it("close with a documented code or carry on, and other sockets are unaffected", async () => {
    const observer = await openSocket(`/w/${ws.id}/ws`, upgradeInit(bearer(ws.viewer)));
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const sock = await openSocket(`/w/${ws.id}/ws`, upgradeInit(bearer(ws.viewer)));
        for (const f of frames) if (!sock.closed) sock.send(f);
        try {
          await pingPong(sock);
        } catch {
          // no pong: the server must have closed it, with a code the README documents
        }
        if (sock.closed) expect([1003, 1007, 1008, 1009]).toContain(sock.closed.code);
        sock.close();
      }),
      { numRuns: 40, seed: SEED, endOnFailure: true },
    );
    await pingPong(observer);
    expect(observer.closed).toBeUndefined();
  });
});
