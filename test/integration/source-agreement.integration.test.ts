import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  Snapshot,
  StatusResponse,
  type SourceId,
  type SourceState,
  type SourceStatus,
} from "../../schema";
import pdTrigger from "../fixtures/alerting/pagerduty-trigger.json";
import grafanaFixture from "../fixtures/alerting/grafana-webhook.json";
import { amAlert, amGroup, grafanaHeaders, makeIntegration, postJson } from "../helpers/alerting";
import { bodyOf, deliver, examplesOf } from "../helpers/github";
import { GithubStandin, ago, connectGithub } from "../helpers/github-standin";
import { injectFaults, receivers, type Receivers } from "../helpers/notify";
import { bearer, call, jsonInit, makeWorkspace, type TestWorkspace } from "../helpers/workspace";
import { isSnapshot, openSocket, waitForFrame } from "../helpers/ws";
import type { ProxyControl } from "../peers/flaky-proxy";

/**
 * A source's state is shown in several places: the socket's `snapshot` frame, the dashboard's
 * first paint (the source strip, its visible words, the JSON island the client starts from and,
 * for GitHub, which action menus are offered), `GET api/status` and `GET /metrics` (both from
 * `stats()`). They once disagreed (the snapshot used another function than api/status, so a live
 * Web3 read "not configured" on first paint). Every row below drives one source into one state
 * through the real paths, then reads all the places at once and wants them identical.
 *
 * Not every source can reach every state:
 * - alertmanager, grafana, pagerduty: no `stale` and no `error`. They are pushed to, so silence
 *   is normal (no stale-after limit, durable-objects/collection/intervals.ts) and a refused
 *   delivery is counted on the integration, never reported on the source (`reportLive` in
 *   durable-objects/workspace.ts is their only report).
 * - slack, webhook: no `stale`. They report each delivery (`channelSource` in
 *   durable-objects/domain/notifications.ts): `live` after a success, `error` after a failure;
 *   they have no stale-after limit either.
 * - github, aws, web3: every state. `stale` is reached by a run failing after a success (the
 *   runner keeps the last success), and for GitHub also by age (below).
 */

// The first workspace of a file pays the runtime's cold start; keep it out of the test timeouts.
beforeAll(async () => {
  await makeWorkspace("warm");
}, 60_000);

// ── Reading the places ──────────────────────────────────────────────────────────────────

/** What one place shows of a source: its state, and for GitHub whether a token is set. */
type Shown = { status: string; tokenSet?: boolean };

const shown = (s: { status: string; tokenSet?: boolean }): Shown =>
  s.tokenSet === undefined ? { status: s.status } : { status: s.status, tokenSet: s.tokenSet };

async function apiSources(ws: TestWorkspace): Promise<SourceStatus[]> {
  const res = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
  if (res.status !== 200) throw new Error(`api/status: ${res.status} ${await res.text()}`);
  return StatusResponse.parse(await res.json()).sources;
}

async function apiSource(ws: TestWorkspace, id: SourceId): Promise<SourceStatus> {
  const found = (await apiSources(ws)).find((s) => s.id === id);
  if (!found) throw new Error(`api/status lists no '${id}'`);
  return found;
}

async function snapshotFrame(ws: TestWorkspace): Promise<Snapshot> {
  const sock = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
  try {
    return (await waitForFrame(sock, isSnapshot, 10_000)).payload;
  } finally {
    sock.close();
  }
}

/** The visible words of a strip entry, as web/components/sources.ts writes each state. */
const WORDS: Array<[RegExp, SourceState]> = [
  [/^live · /, "live"],
  [/^stale · /, "stale"],
  [/^error: /, "error"],
  [/^waiting for first report$/, "pending"],
  [/^not configured · set up$/, "not_configured"],
];

/** The first paint as the operator sees it (operators are offered, or refused, GitHub actions). */
async function firstPaint(ws: TestWorkspace, id: SourceId): Promise<Record<string, Shown>> {
  const res = await call(`/w/${ws.id}`, bearer(ws.operator, { redirect: "manual" }));
  if (res.status !== 200) throw new Error(`dashboard: ${res.status}`);
  const html = await res.text();
  const strip = html.split('id="panel-sources"')[1]?.split("</section>")[0] ?? "";
  const li = new RegExp(`<li data-id="${id}" data-state="([a-z_]+)">([\\s\\S]*?)</li>`).exec(strip);
  const words = (li?.[2] ?? "")
    .replace(/<strong>[\s\S]*?<\/strong>/, "")
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const island = /<script id="snapshot" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  const snapshot = Snapshot.parse(JSON.parse(island?.[1] ?? "null"));
  const fromIsland = snapshot.sources.find((s) => s.id === id);
  const places: Record<string, Shown> = {
    "first paint: strip data-state": { status: li?.[1] ?? "(no strip entry)" },
    "first paint: strip words": {
      status: WORDS.find(([re]) => re.test(words))?.[1] ?? `(unreadable: '${words}')`,
    },
    "first paint: snapshot island": fromIsland ? shown(fromIsland) : { status: "(absent)" },
  };
  // Rollback, redeploy, re-run, cancel and logs need the token; without one, every GitHub row's
  // menu says so instead (web/components/github-actions.ts). Readable only when rows exist.
  if (id === "github" && snapshot.deployments.length + snapshot.pipelines.length > 0) {
    places["first paint: GitHub action menus"] = {
      status: fromIsland?.status ?? "(absent)",
      tokenSet: !html.includes("need a GitHub token."),
    };
  }
  return places;
}

async function prometheusState(ws: TestWorkspace, id: SourceId): Promise<Shown> {
  const res = await call(`/w/${ws.id}/metrics`, bearer(ws.viewer));
  const text = await res.text();
  const line = new RegExp(`^opsdeck_source_state\\{source="${id}",state="([a-z_]+)"\\} 1$`, "m");
  return { status: line.exec(text)?.[1] ?? "(no series at 1)" };
}

/**
 * Every place's view of source `id`, read together. api/status is read before and after: if the
 * state moved in between (a collection finished), the read is a timing problem of the test, not
 * a disagreement, and it says so.
 */
async function everyPlace(ws: TestWorkspace, id: SourceId): Promise<Record<string, Shown>> {
  const before = await apiSource(ws, id);
  const [frame, paint, prometheus] = await Promise.all([
    snapshotFrame(ws),
    firstPaint(ws, id),
    prometheusState(ws, id),
  ]);
  const after = await apiSource(ws, id);
  if (before.status !== after.status)
    throw new Error(`'${id}' went ${before.status} → ${after.status} while being read (timing)`);
  const fromFrame = frame.sources.find((s) => s.id === id);
  return {
    "socket snapshot": fromFrame ? shown(fromFrame) : { status: "(absent)" },
    ...paint,
    "GET api/status": shown(after),
    "GET /metrics": prometheus,
  };
}

/** What every place must show: the state, and `tokenSet` wherever the place carries it. */
function agreeing(places: Record<string, Shown>, want: Shown): Record<string, Shown> {
  const carriesToken = new Set([
    "socket snapshot",
    "first paint: snapshot island",
    "first paint: GitHub action menus",
    "GET api/status",
  ]);
  return Object.fromEntries(
    Object.keys(places).map((place) => [
      place,
      carriesToken.has(place) ? want : { status: want.status },
    ]),
  );
}

// ── Driving a source ───────────────────────────────────────────────────────────────────

async function expectOk(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
}

/** Polls api/status until `id` reads `state`, running `nudge` (e.g. a refresh) between reads. */
async function until(
  ws: TestWorkspace,
  id: SourceId,
  state: SourceState,
  nudge?: () => Promise<unknown>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await apiSource(ws, id);
    if (now.status === state) return;
    if (Date.now() > deadline)
      throw new Error(`'${id}' never became ${state}; last: ${JSON.stringify(now)}`);
    await nudge?.();
    await new Promise((r) => setTimeout(r, 150));
  }
}

const refresh = (ws: TestWorkspace) =>
  call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }));

const put = (ws: TestWorkspace, path: string, body: unknown) =>
  call(`/w/${ws.id}/api/${path}`, jsonInit("PUT", body, ws.admin));

/** A first path segment of the flaky proxy's own (see ProxyControl): no other test meets it. */
async function proxyPath(mode: ProxyControl["mode"], passChainId = false): Promise<string> {
  const path = `/agree-${crypto.randomUUID().slice(0, 8)}`;
  await setProxy(path, mode, passChainId);
  return `${inject("flakyRpcUrl")}${path}`;
}

async function setProxy(path: string, mode: ProxyControl["mode"], passChainId = false) {
  const control: ProxyControl = { mode, path: new URL(path, "http://x").pathname, passChainId };
  await fetch(`${inject("flakyRpcUrl")}/__mode`, { method: "POST", body: JSON.stringify(control) });
}

// GitHub

async function githubWebhook(ws: TestWorkspace, secret = "agree-gh-secret-0123"): Promise<string> {
  await makeIntegration(ws, "github", { secret });
  return secret;
}

/** One deployment webhook, as GitHub signs it: the source goes live and a deployment row shows. */
async function githubDelivery(ws: TestWorkspace): Promise<void> {
  const secret = await githubWebhook(ws);
  const [fixture] = examplesOf("deployment");
  await expectOk(await deliver(ws.id, "deployment", bodyOf(fixture!), { secret }), "deliver");
}

/** A stand-in repository with one deployment, so the action menus are drawn. */
async function githubStandin(): Promise<GithubStandin> {
  return GithubStandin.create([
    {
      name: "app",
      deployments: [
        {
          id: 7,
          sha: "c".repeat(40),
          ref: "main",
          environment: "production",
          created_at: ago(120),
          statuses: [{ state: "success", created_at: ago(100) }],
        },
      ],
    },
  ]);
}

async function githubCollecting(ws: TestWorkspace): Promise<GithubStandin> {
  const gh = await githubStandin();
  await expectOk(await connectGithub(ws, gh, ["app"]), "connect GitHub");
  await until(ws, "github", "live");
  return gh;
}

// AWS

const awsStandin = (): Record<string, string> =>
  Object.fromEntries(
    ["ec2", "rds", "cloudwatch", "s3", "lambda"].map((s) => [s, inject("awsEndpoint")]),
  );

async function awsKey(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
  const key = {
    accessKeyId: `AKIA${id}`,
    secretAccessKey: `${crypto.randomUUID()}${crypto.randomUUID()}`.slice(0, 40),
  };
  await fetch(`${inject("awsEndpoint")}/__keys`, { method: "POST", body: JSON.stringify(key) });
  return key;
}

async function awsConnect(
  ws: TestWorkspace,
  secretKey?: string,
  endpoints = awsStandin(),
): Promise<{ accessKeyId: string }> {
  const key = await awsKey();
  const res = await put(ws, "integrations/aws", {
    enabled: true,
    accessKey: key.accessKeyId,
    secretKey: secretKey ?? key.secretAccessKey,
    regions: ["eu-west-1"],
    endpoints,
  });
  await expectOk(res, "configure AWS");
  return key;
}

// Web3

async function addNetwork(ws: TestWorkspace, rpcUrl: string): Promise<void> {
  const body = { id: "local", name: "Local", chainId: inject("anvilChainId"), rpcUrl };
  await expectOk(
    await call(`/w/${ws.id}/api/integrations/networks`, jsonInit("POST", body, ws.admin)),
    "add network",
  );
}

// Alert senders

async function alertmanagerDelivery(ws: TestWorkspace): Promise<void> {
  const am = await makeIntegration(ws, "alertmanager");
  const res = await postJson(`/w/${ws.id}/hooks/alertmanager`, amGroup([amAlert("agree-1")]), {
    Authorization: `Bearer ${am.credential}`,
  });
  await expectOk(res, "deliver to alertmanager");
}

async function grafanaDelivery(ws: TestWorkspace): Promise<void> {
  const secret = "agree-grafana-secret";
  await makeIntegration(ws, "grafana", { secret });
  const body = JSON.stringify(grafanaFixture);
  const res = await postJson(`/w/${ws.id}/hooks/grafana`, body, await grafanaHeaders(secret, body));
  await expectOk(res, "deliver to grafana");
}

async function pagerdutyDelivery(ws: TestWorkspace): Promise<void> {
  const pd = await makeIntegration(ws, "pagerduty");
  const res = await postJson("/v2/enqueue", { ...pdTrigger, routing_key: pd.credential });
  await expectOk(res, "deliver to pagerduty");
}

// Notification channels

type Channel = "slack" | "webhook";

async function channel(ws: TestWorkspace, which: Channel): Promise<Receivers> {
  const r = receivers();
  const integration =
    which === "slack"
      ? { slack: { enabled: true, webhookUrl: r.slackUrl } }
      : { webhook: { enabled: true, url: r.webhookUrl, secret: r.webhookSecret } };
  await expectOk(
    await put(ws, "settings", { notifications: { [which]: true }, integrations: integration }),
    `configure ${which}`,
  );
  return r;
}

/** `POST api/notifications/test`; `refused` makes the receiver answer 404 no_service first. */
async function channelTest(ws: TestWorkspace, which: Channel, refused: boolean): Promise<void> {
  const r = await channel(ws, which);
  if (refused) await injectFaults(r, ["no_service"], which === "slack" ? "slack" : "hook");
  const res = await call(
    `/w/${ws.id}/api/notifications/test`,
    jsonInit("POST", { channel: which }, ws.admin),
  );
  if (res.status !== (refused ? 502 : 200))
    throw new Error(`test ${which}: ${res.status} ${await res.text()}`);
}

// ── The matrix ─────────────────────────────────────────────────────────────────────────

type Row = {
  kind: SourceId;
  state: SourceState;
  how: string;
  drive: (ws: TestWorkspace) => Promise<unknown>;
  /** GitHub only: whether a token is set in this row. */
  tokenSet?: boolean;
};

const nothing = async () => undefined;

const ROWS: Row[] = [
  // GitHub: the webhook alone configures the source (no token); a token makes it collectable.
  {
    kind: "github",
    state: "not_configured",
    how: "nothing set up",
    drive: nothing,
    tokenSet: false,
  },
  {
    kind: "github",
    state: "pending",
    how: "webhook integration, nothing delivered",
    drive: (ws) => githubWebhook(ws),
    tokenSet: false,
  },
  {
    kind: "github",
    state: "not_configured",
    // Actions can run (tokenSet), but no collector will: the strip must not promise data.
    how: "token saved without repositories (nothing will be collected)",
    drive: async (ws) => {
      const body = { integrations: { github: { enabled: true, token: "ghp_agree" } } };
      await expectOk(await put(ws, "settings", body), "save a GitHub token");
    },
    tokenSet: true,
  },
  {
    kind: "github",
    state: "live",
    how: "deployment webhook delivered",
    drive: githubDelivery,
    tokenSet: false,
  },
  {
    kind: "github",
    state: "live",
    how: "collector ran against the stand-in",
    drive: githubCollecting,
    tokenSet: true,
  },
  {
    kind: "github",
    state: "stale",
    how: "collector failed (502) after a success",
    drive: async (ws) => {
      const gh = await githubCollecting(ws);
      await gh.fault({ kind: "status", status: 502, path: "/deployments", times: 1000 });
      await until(ws, "github", "stale", () => refresh(ws));
    },
    tokenSet: true,
  },
  {
    // No clock to advance in workerd, so the real wait: the shortest deployments interval (5 s)
    // makes the limit 15 s (3 intervals), which a webhook-only source outlives by being silent.
    kind: "github",
    state: "stale",
    how: "webhook-only, silent for 3 collection intervals (stale by age)",
    drive: async (ws) => {
      const intervals = { metrics: 30, deployments: 5, web3: 15, security: 300 };
      await expectOk(await put(ws, "collection/intervals", intervals), "intervals");
      await githubDelivery(ws);
      await until(ws, "github", "stale", undefined, 30_000);
    },
    tokenSet: false,
  },
  {
    kind: "github",
    state: "error",
    how: "collector's first run refused (401, wrong token)",
    drive: async (ws) => {
      const gh = await githubStandin();
      await expectOk(await connectGithub(ws, gh, ["app"], { token: "ghp_wrong" }), "connect");
      await until(ws, "github", "error");
    },
    tokenSet: true,
  },

  // AWS: collected; saving complete keys starts a run at once.
  { kind: "aws", state: "not_configured", how: "nothing set up", drive: nothing },
  {
    // The first run is held open (the proxy never answers; the collector waits 10 s), so the
    // source stays pending while it is read.
    kind: "aws",
    state: "pending",
    how: "keys saved, first run still waiting on AWS",
    drive: async (ws) => {
      const hold = await proxyPath("hang");
      await awsConnect(ws, undefined, {
        ec2: hold,
        rds: hold,
        cloudwatch: hold,
        s3: hold,
        lambda: hold,
      });
    },
  },
  {
    kind: "aws",
    state: "live",
    how: "collector ran against the stand-in",
    drive: async (ws) => {
      await awsConnect(ws);
      await until(ws, "aws", "live");
    },
  },
  {
    kind: "aws",
    state: "stale",
    how: "collector failed (500) after a success",
    drive: async (ws) => {
      const key = await awsConnect(ws);
      await until(ws, "aws", "live");
      await fetch(`${inject("awsEndpoint")}/__mode`, {
        method: "POST",
        body: JSON.stringify({ accessKeyId: key.accessKeyId, mode: "500" }),
      });
      await until(ws, "aws", "stale", () => refresh(ws));
    },
  },
  {
    kind: "aws",
    state: "error",
    how: "wrong secret key (credentials invalid)",
    drive: async (ws) => {
      await awsConnect(ws, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
      await until(ws, "aws", "error");
    },
  },

  // Web3: collected; adding a network checks eth_chainId, then starts a run at once.
  { kind: "web3", state: "not_configured", how: "no network", drive: nothing },
  {
    // The first run is held open (the proxy answers only eth_chainId; the collector waits 5 s).
    kind: "web3",
    state: "pending",
    how: "network added, first run still waiting on the node",
    drive: async (ws) => addNetwork(ws, await proxyPath("hang", true)),
  },
  {
    kind: "web3",
    state: "live",
    how: "collector ran against anvil",
    drive: async (ws) => {
      await addNetwork(ws, inject("anvilUrl"));
      await until(ws, "web3", "live");
    },
  },
  {
    kind: "web3",
    state: "stale",
    how: "node failed (500) after a success",
    drive: async (ws) => {
      const url = await proxyPath("ok");
      await addNetwork(ws, url);
      await until(ws, "web3", "live");
      await setProxy(url, "500");
      await until(ws, "web3", "stale", () => refresh(ws));
    },
  },
  {
    kind: "web3",
    state: "error",
    how: "node fails (500) from the first run",
    drive: async (ws) => {
      await addNetwork(ws, await proxyPath("500", true));
      await until(ws, "web3", "error");
    },
  },

  // Alert senders: configured by their integration, live on the first accepted delivery.
  ...(
    [
      ["alertmanager", alertmanagerDelivery],
      ["grafana", grafanaDelivery],
      ["pagerduty", pagerdutyDelivery],
    ] as const
  ).flatMap(([kind, delivery]): Row[] => [
    { kind, state: "not_configured", how: "no integration", drive: nothing },
    {
      kind,
      state: "pending",
      how: "integration created, nothing delivered",
      drive: (ws) => makeIntegration(ws, kind),
    },
    { kind, state: "live", how: "delivery accepted", drive: delivery },
  ]),

  // Notification channels: configured in settings, then judged by their last delivery.
  ...(["slack", "webhook"] as const).flatMap((kind): Row[] => [
    { kind, state: "not_configured", how: "not set up", drive: nothing },
    { kind, state: "pending", how: "set up, nothing sent", drive: (ws) => channel(ws, kind) },
    {
      kind,
      state: "live",
      how: "test message accepted",
      drive: (ws) => channelTest(ws, kind, false),
    },
    {
      kind,
      state: "error",
      how: "test message refused (404)",
      drive: (ws) => channelTest(ws, kind, true),
    },
  ]),
];

describe.concurrent("every place that shows a source's state agrees", () => {
  it.for(ROWS)("$kind × $state: $how", { timeout: 45_000 }, async (row, { expect }) => {
    const ws = await makeWorkspace("agree");
    await row.drive(ws);
    const places = await everyPlace(ws, row.kind);
    const want: Shown =
      row.kind === "github" ? { status: row.state, tokenSet: row.tokenSet } : { status: row.state };
    expect(places).toEqual(agreeing(places, want));
  });
});

it("covers every source kind", () => {
  const kinds = new Set(ROWS.map((r) => r.kind));
  expect([...kinds].sort()).toEqual([
    "alertmanager",
    "aws",
    "github",
    "grafana",
    "pagerduty",
    "slack",
    "web3",
    "webhook",
  ]);
});
