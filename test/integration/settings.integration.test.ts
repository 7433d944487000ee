import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { app } from "../../worker/app";
import {
  DEFAULT_SETTINGS,
  Settings,
  StoredSettings,
  type SettingsInput,
  type SourceStatus,
} from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import { addGithubWebhook } from "../helpers/github";

const GITHUB_TOKEN = "ghp_Sup3rSecretTokenValue0123456789";
const AWS_ACCESS = "AKIAEXAMPLEACCESSKEY1";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
const PLAINTEXTS = [GITHUB_TOKEN, AWS_ACCESS, AWS_SECRET, SLACK_URL, "XXXXsecretXXXX"];

const put = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/settings`, jsonInit("PUT", body, token));

async function getSettings(ws: TestWorkspace, token = ws.viewer): Promise<Settings> {
  const res = await call(`/w/${ws.id}/api/settings`, bearer(token));
  expect(res.status).toBe(200);
  const text = await res.text();
  for (const secret of PLAINTEXTS) expect(text).not.toContain(secret);
  return Settings.parse((JSON.parse(text) as { settings: unknown }).settings);
}

/** What the object keeps on disk, read through SQLite itself. */
async function storedJson(ws: TestWorkspace): Promise<string | undefined> {
  return runInDurableObject(ws.stub, (_instance, state) => {
    const row = state.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'")
      .next();
    return row.done ? undefined : row.value.value;
  });
}

async function auditText(ws: TestWorkspace): Promise<string> {
  const res = await call(`/w/${ws.id}/api/audit?limit=500`, bearer(ws.admin));
  expect(res.status).toBe(200);
  return res.text();
}

async function sources(ws: TestWorkspace): Promise<Record<string, string>> {
  const res = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
  const body = (await res.json()) as { sources: SourceStatus[] };
  return Object.fromEntries(body.sources.map((s) => [s.id, s.status]));
}

describe("GET/PUT api/settings", () => {
  it("a fresh workspace reads the defaults; any role may read", async () => {
    const ws = await makeWorkspace("settings");
    for (const token of [ws.viewer, ws.operator, ws.admin]) {
      expect(await getSettings(ws, token)).toEqual(DEFAULT_SETTINGS);
    }
    expect(await storedJson(ws)).toBeUndefined();
  });

  it("PUT merges a partial update and answers { success, settings }", async () => {
    const ws = await makeWorkspace("settings");
    const res = await put(ws, { thresholds: { cpu: 70 }, notifications: { email: true } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; settings: Settings };
    expect(body.success).toBe(true);
    expect(body.settings.thresholds).toEqual({ cpu: 70, memory: 85, disk: 90 });
    expect(body.settings.notifications).toEqual({
      email: true,
      slack: false,
      webhook: false,
      minSeverity: "warning",
    });
    expect(await getSettings(ws)).toEqual(body.settings);
    const second = await put(ws, { thresholds: { disk: 95 } });
    expect(((await second.json()) as { settings: Settings }).settings.thresholds).toEqual({
      cpu: 70,
      memory: 85,
      disk: 95,
    });
  });

  it("accepts the thresholds' bounds 0 and 100", async () => {
    const ws = await makeWorkspace("settings");
    expect((await put(ws, { thresholds: { cpu: 0, memory: 100, disk: 50.5 } })).status).toBe(200);
    expect((await getSettings(ws)).thresholds).toEqual({ cpu: 0, memory: 100, disk: 50.5 });
  });

  it("needs admin: 401 without a credential, 403 for viewer and operator; nothing stored", async () => {
    const ws = await makeWorkspace("settings");
    await expectProblem(
      await call(`/w/${ws.id}/api/settings`, jsonInit("PUT", { thresholds: { cpu: 1 } })),
      401,
      "unauthenticated",
    );
    await expectProblem(await call(`/w/${ws.id}/api/settings`), 401, "unauthenticated");
    for (const token of [ws.viewer, ws.operator]) {
      await expectProblem(await put(ws, { thresholds: { cpu: 1 } }, token), 403, "forbidden");
    }
    expect(await storedJson(ws)).toBeUndefined();
    expect(await getSettings(ws)).toEqual(DEFAULT_SETTINGS);
  });
});

describe("integration secrets are write-only", () => {
  it("never come back: not from PUT, GET, the audit trail, or the stored JSON in plaintext", async () => {
    const ws = await makeWorkspace("secrets");
    const res = await put(ws, {
      integrations: {
        github: { enabled: true, token: GITHUB_TOKEN },
        aws: { enabled: true, accessKey: AWS_ACCESS, secretKey: AWS_SECRET },
        slack: { enabled: true, webhookUrl: SLACK_URL },
      },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of PLAINTEXTS) expect(text).not.toContain(secret);
    expect((JSON.parse(text) as { settings: Settings }).settings.integrations).toEqual({
      github: { enabled: true, tokenSet: true },
      aws: { enabled: true, accessKeySet: true, secretKeySet: true },
      slack: { enabled: true, webhookUrlSet: true },
      webhook: { enabled: false, urlSet: false, secretSet: false },
    });
    expect((await getSettings(ws)).integrations.github.tokenSet).toBe(true);

    const audit = await auditText(ws);
    expect(audit).toContain("settings.update");
    for (const secret of PLAINTEXTS) expect(audit).not.toContain(secret);

    const raw = (await storedJson(ws))!;
    for (const secret of PLAINTEXTS) expect(raw).not.toContain(secret);
    const stored = StoredSettings.parse(JSON.parse(raw));
    expect(stored.integrations.github.token).toMatch(/^v1\.[0-9a-f]{8}\.[^.]+\.[^.]+$/);

    // Sealed with the configured key: the object can open it again when a collector needs it.
    const box = await SecretBox.from(env.SECRETS_KEY);
    expect(await box.open(stored.integrations.github.token!)).toBe(GITHUB_TOKEN);
    expect(await box.open(stored.integrations.aws.secretKey!)).toBe(AWS_SECRET);
    expect(await box.open(stored.integrations.slack.webhookUrl!)).toBe(SLACK_URL);

    // The raw event log (what sockets replay) carries no plaintext either.
    const events = await runInDurableObject(ws.stub, (_instance, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT payload FROM events").toArray()),
    );
    for (const secret of PLAINTEXTS) expect(events).not.toContain(secret);
  });

  it("a PUT without the secret keeps it; null clears it", async () => {
    const ws = await makeWorkspace("secrets");
    await put(ws, { integrations: { github: { enabled: true, token: GITHUB_TOKEN } } });
    const sealed = StoredSettings.parse(JSON.parse((await storedJson(ws))!)).integrations.github
      .token;

    expect((await put(ws, { integrations: { github: { enabled: false } } })).status).toBe(200);
    let stored = StoredSettings.parse(JSON.parse((await storedJson(ws))!));
    expect(stored.integrations.github).toEqual({ enabled: false, token: sealed });
    expect((await getSettings(ws)).integrations.github).toEqual({ enabled: false, tokenSet: true });

    expect((await put(ws, { thresholds: { cpu: 75 } })).status).toBe(200);
    stored = StoredSettings.parse(JSON.parse((await storedJson(ws))!));
    expect(stored.integrations.github.token).toBe(sealed);

    expect(
      (await put(ws, { integrations: { github: { enabled: false, token: null } } })).status,
    ).toBe(200);
    stored = StoredSettings.parse(JSON.parse((await storedJson(ws))!));
    expect(stored.integrations.github.token).toBeUndefined();
    expect((await getSettings(ws)).integrations.github).toEqual({
      enabled: false,
      tokenSet: false,
    });
  });

  it("a new value replaces the old ciphertext (fresh IV each time)", async () => {
    const ws = await makeWorkspace("secrets");
    await put(ws, { integrations: { github: { enabled: true, token: GITHUB_TOKEN } } });
    const first = StoredSettings.parse(JSON.parse((await storedJson(ws))!)).integrations.github
      .token!;
    await put(ws, { integrations: { github: { enabled: true, token: GITHUB_TOKEN } } });
    const second = StoredSettings.parse(JSON.parse((await storedJson(ws))!)).integrations.github
      .token!;
    expect(second).not.toBe(first);
    const box = await SecretBox.from(env.SECRETS_KEY);
    expect(await box.open(second)).toBe(GITHUB_TOKEN);
  });
});

describe("settings drive source status", () => {
  it("github is configured exactly when its collector would run, and back", async () => {
    const ws = await makeWorkspace("sources");
    expect((await sources(ws)).github).toBe("not_configured");

    await put(ws, { integrations: { github: { enabled: true } } });
    expect((await sources(ws)).github).toBe("not_configured");

    await put(ws, { integrations: { github: { enabled: false, token: GITHUB_TOKEN } } });
    expect((await sources(ws)).github).toBe("not_configured");

    // Enabled with a token but no repository: actions can run, yet nothing is collected, so the
    // strip must not promise data ("pending") that never comes.
    await put(ws, { integrations: { github: { enabled: true } } });
    expect((await sources(ws)).github).toBe("not_configured");

    // With repositories the collector runs (here against a closed local port, so it fails).
    const repos = {
      enabled: true,
      owner: "acme",
      repositories: ["api"],
      apiUrl: "http://127.0.0.1:9",
    };
    await put(ws, { integrations: { github: repos } });
    expect(["pending", "error"]).toContain((await sources(ws)).github);

    await put(ws, { integrations: { github: { enabled: true, token: null } } });
    expect((await sources(ws)).github).toBe("not_configured");
  });

  it("aws needs both keys; slack needs its webhook URL", async () => {
    const ws = await makeWorkspace("sources");
    await put(ws, { integrations: { aws: { enabled: true, accessKey: AWS_ACCESS } } });
    expect((await sources(ws)).aws).toBe("not_configured");
    await put(ws, { integrations: { aws: { enabled: true, secretKey: AWS_SECRET } } });
    expect((await sources(ws)).aws).toBe("pending");
    await put(ws, { integrations: { slack: { enabled: true, webhookUrl: SLACK_URL } } });
    expect((await sources(ws)).slack).toBe("pending");
  });

  it("a settings change is published as a sources event", async () => {
    const ws = await makeWorkspace("sources");
    await addGithubWebhook(ws);
    await put(ws, { integrations: { github: { enabled: true, token: GITHUB_TOKEN } } });
    const events = await runInDurableObject(ws.stub, (_instance, state) =>
      state.storage.sql
        .exec<{ type: string; payload: string }>("SELECT type, payload FROM events ORDER BY seq")
        .toArray(),
    );
    const published = events.filter((e) => e.type === "sources").at(-1);
    expect(published).toBeDefined();
    expect(JSON.parse(published!.payload)).toContainEqual({
      id: "github",
      status: "pending",
      tokenSet: true,
    });
  });
});

describe("bad settings input: 400 naming the field, nothing stored", () => {
  const CASES: Array<[string, unknown, string]> = [
    ["negative threshold", { thresholds: { cpu: -1 } }, "json.thresholds.cpu"],
    ["threshold over 100", { thresholds: { memory: 100.5 } }, "json.thresholds.memory"],
    ["threshold as a string", { thresholds: { disk: "90" } }, "json.thresholds.disk"],
    ["threshold null", { thresholds: { cpu: null } }, "json.thresholds.cpu"],
    ["unknown threshold", { thresholds: { cpu: 80, gpu: 50 } }, "json.thresholds.gpu"],
    ["unknown top-level field", { theme: "dark" }, "json.theme"],
    ["notifications not boolean", { notifications: { email: "yes" } }, "json.notifications.email"],
    ["unknown notification", { notifications: { sms: true } }, "json.notifications.sms"],
    ["thresholds not an object", { thresholds: [80] }, "json.thresholds"],
    [
      "unknown integration",
      { integrations: { jira: { enabled: true } } },
      "json.integrations.jira",
    ],
    [
      "integration without enabled",
      { integrations: { github: { token: GITHUB_TOKEN } } },
      "json.integrations.github.enabled",
    ],
    [
      "enabled not boolean",
      { integrations: { aws: { enabled: "true" } } },
      "json.integrations.aws.enabled",
    ],
    [
      "echoing the read shape (tokenSet)",
      { integrations: { github: { enabled: true, tokenSet: true } } },
      "json.integrations.github.tokenSet",
    ],
    [
      "empty secret",
      { integrations: { github: { enabled: true, token: "" } } },
      "json.integrations.github.token",
    ],
    [
      "secret over 4096 characters",
      { integrations: { github: { enabled: true, token: "x".repeat(4097) } } },
      "json.integrations.github.token",
    ],
    [
      "secret with a NUL byte",
      { integrations: { aws: { enabled: true, secretKey: "abc\u0000def" } } },
      "json.integrations.aws.secretKey",
    ],
    [
      "secret not a string",
      { integrations: { slack: { enabled: true, webhookUrl: 42 } } },
      "json.integrations.slack.webhookUrl",
    ],
  ];

  it.each(CASES)("%s", async (_name, body, path) => {
    const ws = await makeWorkspace("badset");
    const before = await auditText(ws);
    const res = await put(ws, body);
    const problem = (await expectProblem(res, 400, "validation_failed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toContain(path);
    expect(JSON.stringify(problem)).not.toContain(GITHUB_TOKEN);
    expect(await storedJson(ws)).toBeUndefined();
    expect(await getSettings(ws)).toEqual(DEFAULT_SETTINGS);
    expect(await auditText(ws)).toBe(before);
  });

  it("a bad PUT leaves earlier settings and secrets exactly as they were", async () => {
    const ws = await makeWorkspace("badset");
    const good: SettingsInput = {
      thresholds: { cpu: 60 },
      integrations: { github: { enabled: true, token: GITHUB_TOKEN } },
    };
    expect((await put(ws, good)).status).toBe(200);
    const raw = await storedJson(ws);
    await expectProblem(
      await put(ws, {
        thresholds: { cpu: 10, memory: 500 },
        integrations: { github: { enabled: false, token: null } },
      }),
      400,
      "validation_failed",
    );
    expect(await storedJson(ws)).toBe(raw);
  });

  it("non-JSON and non-object bodies are 400 invalid_json / 415", async () => {
    const ws = await makeWorkspace("badset");
    const send = (body: string, type = "application/json") =>
      call(`/w/${ws.id}/api/settings`, {
        method: "PUT",
        headers: { "Content-Type": type, Authorization: `Bearer ${ws.admin}` },
        body,
      });
    await expectProblem(await send('{"thresholds":'), 400, "invalid_json");
    await expectProblem(await send("[]"), 400, "invalid_json");
    await expectProblem(await send("null"), 400, "invalid_json");
    await expectProblem(
      await send("cpu=1", "application/x-www-form-urlencoded"),
      415,
      "unsupported_media_type",
    );
    expect(await storedJson(ws)).toBeUndefined();
  });

  it.each([
    "http://hooks.slack.com/services/T/B/x",
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://localhost/hook",
    "https://hooks.internal/x",
    "https://user:pw@hooks.slack.com/services/T/B/x",
    "https://hooks.slack.com:22/services/T/B/x",
    "file:///etc/passwd",
    "not a url",
  ])("Slack webhook %s is refused with url_not_allowed", async (url) => {
    const ws = await makeWorkspace("ssrf");
    // As deployed: loopback is allowed only where ALLOW_LOOPBACK_URLS says so (tests, dev).
    const strict = await app.fetch(
      new Request(
        `http://opsdeck.test/w/${ws.id}/api/settings`,
        jsonInit("PUT", { integrations: { slack: { enabled: true, webhookUrl: url } } }, ws.admin),
      ),
      { ...env, ALLOW_LOOPBACK_URLS: "false" },
      createExecutionContext(),
    );
    const problem = (await expectProblem(strict, 400, "url_not_allowed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toEqual(["json.integrations.slack.webhookUrl"]);
    expect(await storedJson(ws)).toBeUndefined();
  });
});
