import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, Settings, StoredSettings } from "../../schema";
import { app } from "../../worker/app";
import { settingsFromBody } from "../../worker/lib/settings-body";
import { ContractSettingsAnswer } from "../helpers/contract";
import { received, receivers } from "../helpers/notify";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const GITHUB_TOKEN = "ghp_ContractClientToken0123456789abcd";
const AWS_ACCESS = "AKIACONTRACTCLIENT01";
const AWS_SECRET = "contractClientSecretKey/0123456789abcdefgh";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/contractSecretPart";
const HOOK_URL = "https://hooks.example.com/opsdeck?token=contractHookToken";
const SECRETS = [GITHUB_TOKEN, AWS_ACCESS, AWS_SECRET, "contractSecretPart", "contractHookToken"];

/** The contract's `PUT api/settings` body, exactly as written there. */
const CONTRACT_BODY = {
  notifications: { email: true, slack: true, webhook: HOOK_URL },
  thresholds: { cpu: 75, memory: 80, disk: 95 },
  integrations: {
    github: { enabled: true, token: GITHUB_TOKEN },
    aws: { enabled: true, accessKey: AWS_ACCESS, secretKey: AWS_SECRET },
    slack: { enabled: true, webhookUrl: SLACK_URL },
  },
};

const put = (ws: TestWorkspace, body: unknown, token = ws.admin) =>
  call(`/w/${ws.id}/api/settings`, jsonInit("PUT", body, token));

async function answer(res: Response): Promise<Settings> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  const body = ContractSettingsAnswer.parse(JSON.parse(text));
  expect(body.success).toBe(true);
  return Settings.parse(body.settings);
}

async function stored(ws: TestWorkspace): Promise<StoredSettings | undefined> {
  const raw = await runInDurableObject(ws.stub, (_instance, state) => {
    const row = state.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'")
      .next();
    return row.done ? undefined : row.value.value;
  });
  return raw === undefined ? undefined : StoredSettings.parse(JSON.parse(raw));
}

describe("PUT api/settings takes the contract's body as written", () => {
  it("answers { success, settings } and maps every contract field onto Opsdeck's", async () => {
    const ws = await makeWorkspace("csettings");
    const settings = await answer(await put(ws, CONTRACT_BODY));
    expect(settings.notifications).toEqual({
      email: true,
      slack: true,
      webhook: true,
      minSeverity: "warning",
    });
    expect(settings.thresholds).toEqual({ cpu: 75, memory: 80, disk: 95 });
    expect(settings.integrations).toEqual({
      github: { enabled: true, tokenSet: true },
      aws: { enabled: true, accessKeySet: true, secretKeySet: true },
      slack: { enabled: true, webhookUrlSet: true },
      // The URL named by notifications.webhook, and a signing secret made for it.
      webhook: { enabled: true, urlSet: true, urlHost: "hooks.example.com", secretSet: true },
    });
    const saved = (await stored(ws))!;
    for (const secret of SECRETS) expect(JSON.stringify(saved)).not.toContain(secret);
    expect(saved.integrations.webhook.secret).toMatch(/^v1\./);
  });

  it("a webhook named the contract's way is delivered to, signed", async () => {
    const ws = await makeWorkspace("csettings");
    const r = receivers();
    await answer(await put(ws, { notifications: { webhook: r.webhookUrl } }));
    const res = await call(
      `/w/${ws.id}/api/notifications/test`,
      jsonInit("POST", { channel: "webhook" }, ws.admin),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const [hook] = await received(r, "hook");
    expect(hook).toBeDefined();
    expect(hook!.headers["webhook-signature"]).toMatch(/^v1,/);
  });

  it("keeps a signing secret the workspace already has; the integration's own fields win", async () => {
    const ws = await makeWorkspace("csettings");
    const secret = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    await answer(
      await put(ws, {
        integrations: { webhook: { enabled: true, url: "https://a.example/x", secret } },
      }),
    );
    const sealed = (await stored(ws))!.integrations.webhook.secret;
    const settings = await answer(
      await put(ws, {
        notifications: { webhook: HOOK_URL },
        integrations: { webhook: { enabled: false, url: "https://b.example/y" } },
      }),
    );
    expect(settings.notifications.webhook).toBe(true);
    expect(settings.integrations.webhook).toEqual({
      enabled: false,
      urlSet: true,
      urlHost: "b.example",
      secretSet: true,
    });
    expect((await stored(ws))!.integrations.webhook.secret).toBe(sealed);
  });

  it('"" turns a switch off and keeps its target; an address or a Slack URL turns it on', async () => {
    const ws = await makeWorkspace("csettings");
    await answer(await put(ws, CONTRACT_BODY));
    const off = await answer(
      await put(ws, { notifications: { email: "", slack: "", webhook: "" } }),
    );
    expect(off.notifications).toMatchObject({ email: false, slack: false, webhook: false });
    expect(off.integrations.webhook.urlHost).toBe("hooks.example.com");
    expect(off.integrations.slack.webhookUrlSet).toBe(true);

    const fresh = await makeWorkspace("csettings");
    const on = await answer(
      await put(fresh, { notifications: { email: "ops@example.com", slack: SLACK_URL } }),
    );
    expect(on.notifications).toMatchObject({ email: true, slack: true, webhook: false });
    expect(on.integrations.slack).toEqual({ enabled: true, webhookUrlSet: true });
    expect(JSON.stringify(await stored(fresh))).not.toContain("ops@example.com");
  });

  it("Opsdeck's own booleans map through unchanged", () => {
    const input = { notifications: { email: false, slack: true, webhook: true }, thresholds: {} };
    expect(settingsFromBody(input)).toEqual(input);
  });
});

describe("PUT api/settings refuses only what is invalid, naming the field", () => {
  const CASES: Array<[string, unknown, number, string, string]> = [
    [
      "webhook not a URL",
      { webhook: "not a url" },
      400,
      "url_not_allowed",
      "json.notifications.webhook",
    ],
    [
      "webhook over http",
      { webhook: "http://hooks.example.com/x" },
      400,
      "url_not_allowed",
      "json.notifications.webhook",
    ],
    [
      "webhook to metadata",
      { webhook: "https://169.254.169.254/" },
      400,
      "url_not_allowed",
      "json.notifications.webhook",
    ],
    ["webhook a number", { webhook: 42 }, 400, "validation_failed", "json.notifications.webhook"],
    [
      "webhook with NUL",
      { webhook: "https://a.example/\u0000" },
      400,
      "validation_failed",
      "json.notifications.webhook",
    ],
    [
      "slack to a file",
      { slack: "file:///etc/passwd" },
      400,
      "url_not_allowed",
      "json.notifications.slack",
    ],
    [
      "email not an address",
      { email: "yes" },
      400,
      "validation_failed",
      "json.notifications.email",
    ],
    ["email null", { email: null }, 400, "validation_failed", "json.notifications.email"],
  ];

  it.each(CASES)("%s", async (_name, notifications, status, code, path) => {
    const ws = await makeWorkspace("csettings");
    const problem = (await expectProblem(
      await put(ws, { ...CONTRACT_BODY, notifications }),
      status,
      code,
    )) as { issues?: Array<{ path: string }> };
    expect(problem.issues?.map((i) => i.path)).toContain(path);
    for (const secret of SECRETS) expect(JSON.stringify(problem)).not.toContain(secret);
    expect(await stored(ws)).toBeUndefined();
  });

  it("a loopback webhook is refused where loopback is not allowed", async () => {
    const ws = await makeWorkspace("csettings");
    const res = await app.fetch(
      new Request(
        `http://opsdeck.test/w/${ws.id}/api/settings`,
        jsonInit("PUT", { notifications: { webhook: "https://127.0.0.1/hook" } }, ws.admin),
      ),
      { ...env, ALLOW_LOOPBACK_URLS: "false" },
      createExecutionContext(),
    );
    const problem = (await expectProblem(res, 400, "url_not_allowed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toEqual(["json.notifications.webhook"]);
    expect(await stored(ws)).toBeUndefined();
  });

  it("needs admin: the contract body from an operator or viewer is 403, without one 401", async () => {
    const ws = await makeWorkspace("csettings");
    for (const token of [ws.viewer, ws.operator])
      await expectProblem(await put(ws, CONTRACT_BODY, token), 403, "forbidden");
    await expectProblem(
      await call(`/w/${ws.id}/api/settings`, jsonInit("PUT", CONTRACT_BODY)),
      401,
      "unauthenticated",
    );
    expect(await stored(ws)).toBeUndefined();
    const res = await call(`/w/${ws.id}/api/settings`, bearer(ws.viewer));
    expect(((await res.json()) as { settings: Settings }).settings).toEqual(DEFAULT_SETTINGS);
  });
});
