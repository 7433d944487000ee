import { beforeAll, describe, expect, it } from "vitest";
import { labelPatternMatches, labelPatternProblem, type Silence } from "../../schema";
import { amAlert, amGroup, listAlerts, makeIntegration, postJson } from "../helpers/alerting";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { CATASTROPHIC_PATTERNS } from "../helpers/catastrophic-patterns";

/**
 * Issue 14, "Patterns are safe": silence patterns that make a backtracking engine run for
 * ever are stored, then alerts with 10 kB labels arrive. With RE2 (schema/label-matcher.ts)
 * the delivery finishes at once, other callers are answered, every alert is stored, and the
 * silences suppress exactly what their anchored patterns match.
 */

beforeAll(async () => {
  await makeWorkspace("warm");
}, 30_000);

/** The shared corpus, less what RE2 refuses outright (those are the bad-input cases). */
const CATASTROPHIC = CATASTROPHIC_PATTERNS.filter((p) => labelPatternProblem(p) === undefined);

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** A silence on `payload=~pattern` for the test's own alert name (so not everything). */
async function silence(ws: TestWorkspace, pattern: string, token = ws.operator) {
  return call(
    `/w/${ws.id}/api/silences`,
    jsonInit(
      "POST",
      {
        matchers: [
          { name: "alertname", op: "=", value: "Freeze" },
          { name: "payload", op: "=~", value: pattern },
        ],
        endsAt: inAnHour(),
        comment: "pattern safety test",
      },
      token,
    ),
  );
}

/** Each label is 10 kB, shaped so backtracking patterns almost match and then fail. */
const LABELS: Record<string, string> = {
  all: "a".repeat(10_240),
  bang: `${"a".repeat(10_239)}!`,
  xs: "x".repeat(10_240),
  words: `${"ab ".repeat(3413)}!`,
};

describe("catastrophic silence patterns", () => {
  it("are accepted as RE2, and alerts with 10 kB labels are matched at once", async () => {
    const ws = await makeWorkspace("re2");
    const am = await makeIntegration(ws, "alertmanager");
    const ids = new Map<string, string>();
    for (const pattern of CATASTROPHIC) {
      const res = await silence(ws, pattern);
      expect(res.status, pattern).toBe(201);
      ids.set(pattern, ((await res.json()) as { silence: Silence }).silence.id);
    }

    const alerts = Object.entries(LABELS).map(([name, payload]) =>
      amAlert(name, {
        labels: { alertname: "Freeze", severity: "critical", payload },
      }),
    );
    const started = Date.now();
    const [delivered, status] = await Promise.all([
      postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup(alerts), {
        Authorization: `Bearer ${am.credential}`,
      }),
      call(`/w/${ws.id}/api/status`, bearer(ws.viewer)),
    ]);
    const elapsed = Date.now() - started;
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toMatchObject({ created: alerts.length });
    // A backtracking engine does not finish at all; RE2 takes well under a millisecond each.
    expect(elapsed).toBeLessThan(5_000);
    expect(status.status).toBe(200);
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);

    const stored = await listAlerts(ws);
    for (const [name, payload] of Object.entries(LABELS)) {
      const alert = stored.find((a) => a.fingerprint === name);
      expect(alert?.labels.payload).toBe(payload);
      const expected = CATASTROPHIC.filter((p) => labelPatternMatches(p, payload))
        .map((p) => ids.get(p))
        .sort();
      expect([...(alert?.silencedBy ?? [])].sort(), name).toEqual(expected);
      expect(alert?.status).toBe(expected.length ? "suppressed" : "firing");
    }
    // The anchored semantics decide: `(.|.)*` matches every label; `(x+x+)+y` matches none.
    expect(labelPatternMatches("(.|.)*", LABELS.xs ?? "")).toBe(true);
    expect(Object.values(LABELS).some((l) => labelPatternMatches("(x+x+)+y", l))).toBe(false);
  });

  it("refuse patterns RE2 cannot run, naming the field and RE2's reason", async () => {
    const ws = await makeWorkspace("re2");
    for (const [pattern, reason] of [
      ["(a)\\1", "invalid escape sequence: `\\1`"],
      ["(?=a)a", "invalid or unsupported Perl syntax: `(?=`"],
      ["(.*){1,32000}[bc]", "invalid repeat count: `{1,32000}`"],
      ["(.*){1,1000}[bc]", "more than 2000 RE2 instructions"],
    ] as const) {
      const problem = (await expectProblem(
        await silence(ws, pattern),
        400,
        "validation_failed",
      )) as unknown as { detail: string; issues: Array<{ path: string; message: string }> };
      const issue = problem.issues.find((i) => i.path === "json.matchers.1.value");
      expect(issue?.message, pattern).toContain(reason);
      expect(issue?.message).toBe(labelPatternProblem(pattern));
      expect(problem.detail).toContain("json.matchers.1.value");
    }
    // Maintenance windows take the same matchers and the same check.
    const window = await call(
      `/w/${ws.id}/api/maintenance`,
      jsonInit(
        "POST",
        {
          name: "db upgrade",
          matchers: [{ name: "service", op: "!~", value: "(?<=x)y" }],
          startsAt: new Date().toISOString(),
          endsAt: inAnHour(),
          comment: "upgrade",
        },
        ws.operator,
      ),
    );
    const problem = (await expectProblem(window, 400, "validation_failed")) as unknown as {
      issues: Array<{ path: string; message: string }>;
    };
    expect(problem.issues.map((i) => i.path)).toContain("json.matchers.0.value");
    const listed = await call(`/w/${ws.id}/api/silences`, bearer(ws.viewer));
    expect(((await listed.json()) as { silences: Silence[] }).silences).toEqual([]);
  });

  it("a viewer cannot create a pattern silence", async () => {
    const ws = await makeWorkspace("re2");
    await expectProblem(await silence(ws, "(.|.)*", ws.viewer), 403, "forbidden");
  });
});

describe("how many silences can be live at once", () => {
  it("refuses the one past the cap with 409 and keeps every live one", async () => {
    const ws = await makeWorkspace("silcap");
    const principal = { tokenId: "seed", name: "seed", role: "operator" as const };
    const body = (i: number) => ({
      matchers: [{ name: "instance", op: "=~" as const, value: `db-${i}.*` }],
      endsAt: inAnHour(),
      comment: `cap ${i}`,
    });
    // Straight to the object: the per-token REST limit would otherwise take minutes.
    for (let i = 0; i < 500; i++)
      expect((await ws.stub.createSilence(principal, "silence", body(i))).ok).toBe(true);
    const refused = await silence(ws, "db-.*");
    await expectProblem(refused, 409, "limit_reached");
    const listed = await call(`/w/${ws.id}/api/silences?state=active`, bearer(ws.viewer));
    expect(((await listed.json()) as { silences: Silence[] }).silences).toHaveLength(500);
  }, 60_000);
});
