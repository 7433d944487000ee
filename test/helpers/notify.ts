import { runInDurableObject } from "cloudflare:test";
import { inject } from "vitest";
import type { NotificationDelivery } from "../../schema";
import type { Fault, Received } from "../peers/notify-standin";
import { bearer, call, jsonInit, type TestWorkspace } from "./workspace";

/** A Slack and a webhook receiver of this test's own on the stand-in, and their secrets. */
export type Receivers = {
  key: string;
  slackUrl: string;
  /** The Slack URL's secret part: it must never show up anywhere. */
  slackToken: string;
  webhookUrl: string;
  webhookToken: string;
  webhookSecret: string;
};

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export function receivers(): Receivers {
  const key = crypto.randomUUID();
  const slackToken = `XXslack${key.slice(0, 8)}secretXX`;
  const webhookToken = `hooktoken${key.slice(0, 8)}`;
  const base = inject("notifyUrl");
  return {
    key,
    slackUrl: `${base}/slack/${key}/T0000/B0000/${slackToken}`,
    slackToken,
    webhookUrl: `${base}/hook/${key}/opsdeck?token=${webhookToken}`,
    webhookToken,
    webhookSecret: randomSecret(),
  };
}

/** Turns both channels on, pointed at `r`. */
export async function configureChannels(
  ws: TestWorkspace,
  r: Receivers,
  extra: { minSeverity?: string } = {},
): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/settings`,
    jsonInit(
      "PUT",
      {
        notifications: { slack: true, webhook: true, ...extra },
        integrations: {
          slack: { enabled: true, webhookUrl: r.slackUrl },
          webhook: { enabled: true, url: r.webhookUrl, secret: r.webhookSecret },
        },
      },
      ws.admin,
    ),
  );
  if (res.status !== 200) throw new Error(`configure channels: ${res.status} ${await res.text()}`);
}

export async function received(r: Receivers, kind: "slack" | "hook"): Promise<Received[]> {
  const res = await fetch(`${inject("notifyUrl")}/__received?key=${r.key}`);
  const all = (await res.json()) as Received[];
  return all.filter((m) => m.path.startsWith(`/${kind}/`));
}

export async function injectFaults(
  r: Receivers,
  faults: Fault[],
  kind: "slack" | "hook" = "slack",
): Promise<void> {
  await fetch(`${inject("notifyUrl")}/__faults`, {
    method: "POST",
    body: JSON.stringify({ key: r.key, kind, faults }),
  });
}

/** Polls until `check` holds (or throws after `ms`), returning its last value. */
export async function waitFor<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function deliveries(ws: TestWorkspace): Promise<NotificationDelivery[]> {
  const res = await call(`/w/${ws.id}/api/notifications/deliveries?limit=200`, bearer(ws.admin));
  if (res.status !== 200) throw new Error(`deliveries: ${res.status}`);
  return ((await res.json()) as { deliveries: NotificationDelivery[] }).deliveries;
}

/** Time passes for the outbox: every pending retry becomes due, and the alarm fires. */
export async function skipBackoff(ws: TestWorkspace): Promise<void> {
  await runInDurableObject(ws.stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE notification_outbox SET next_at = 0 WHERE state = 'pending'");
    state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'alarm:notify'");
    await state.storage.setAlarm(Date.now());
  });
}
