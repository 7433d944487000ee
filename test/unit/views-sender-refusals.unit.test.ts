import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, EMPTY_STATS, type WebhookIntegration } from "../../schema";
import { SettingsPage } from "../../web/pages/settings";

const NOW = Date.parse("2026-03-01T12:00:00Z");

const sender = (refused: number): WebhookIntegration => ({
  id: "am-1",
  kind: "alertmanager",
  name: "prod alertmanager",
  createdAt: "2026-01-01T00:00:00Z",
  createdBy: "alice",
  secretSet: true,
  endpoint: "/w/demo/hooks/alertmanager",
  stats: { ...EMPTY_STATS, accepted: 7, refused },
});

const page = (webhooks: WebhookIntegration[]) =>
  render(
    SettingsPage({
      workspace: "demo",
      principal: { tokenId: "t", name: "admin", role: "admin" },
      now: NOW,
      data: {
        settings: DEFAULT_SETTINGS,
        intervals: { metrics: 30, deployments: 60, web3: 15, security: 300 },
        networks: [],
        rules: [],
        notifications: { minSeverity: "warning", channels: [] },
        webhooks,
      },
    }),
  );

describe("senders on the settings page", () => {
  it("shows deliveries refused at the open-alert limit, and nothing when there were none", () => {
    expect(page([sender(3)])).toContain("3 refused (open-alert limit)");
    expect(page([sender(0)])).not.toContain("refused");
  });
});
