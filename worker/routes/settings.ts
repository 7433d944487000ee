import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Settings, SettingsBody } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { checkOutboundUrl } from "../../lib/url-policy";
import { newWebhookSecret, settingsFromBody, switchTarget } from "../lib/settings-body";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { assertGithubApiUrl } from "./github-integration";
import { WorkspaceParams, json, jsonBody } from "./params";

export const settingsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/settings",
      summary: "Workspace settings; secrets reported only as set or not",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ settings: Settings })), ...problemResponses },
    }),
    async (c) => c.json({ settings: await c.var.workspace.stub.getSettings() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/settings",
      summary: "Update settings (admin). Omitted secrets are kept; null clears one.",
      description:
        'notifications.slack and notifications.webhook switch delivery to Slack and to the signed webhook (integrations.webhook, Standard Webhooks). notifications.email is stored for compatibility but email is NOT delivered: no email provider is available. notifications.minSeverity (default warning) is the least severity of alert that is notified. Contract shapes are accepted too: a switch given as text turns its channel on with that target (notifications.webhook: the URL to notify, which sets integrations.webhook.url and, when the workspace has no signing secret yet, a generated one; notifications.slack: a Slack incoming-webhook URL; notifications.email: an address, not kept) and "" turns it off; a field under integrations wins over the same target given as a switch.',
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(SettingsBody) },
      responses: {
        200: json(z.object({ success: z.literal(true), settings: Settings })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const allowLoopback = c.env.ALLOW_LOOPBACK_URLS === "true";
      const stub = c.var.workspace.stub;
      const slackTarget = switchTarget(body.notifications?.slack);
      const webhookTarget = switchTarget(body.notifications?.webhook);
      assertWebhookAllowed(slackTarget, allowLoopback, "json.notifications.slack");
      assertWebhookAllowed(webhookTarget, allowLoopback, "json.notifications.webhook");
      // A webhook named the contract's way comes without a signing secret; one is made for it
      // unless the workspace has one (deliveries are always signed).
      const needsSecret =
        webhookTarget !== undefined &&
        body.integrations?.webhook?.secret === undefined &&
        !(await stub.getSettings()).integrations.webhook.secretSet;
      const input = settingsFromBody(body, needsSecret ? newWebhookSecret() : undefined);
      assertWebhookAllowed(
        input.integrations?.slack?.webhookUrl,
        allowLoopback,
        "json.integrations.slack.webhookUrl",
      );
      assertWebhookAllowed(
        input.integrations?.webhook?.url,
        allowLoopback,
        "json.integrations.webhook.url",
      );
      assertGithubApiUrl(
        input.integrations?.github?.apiUrl,
        c.env.ALLOW_LOOPBACK_URLS === "true",
        "json.integrations.github.apiUrl",
      );
      const origin = new URL(c.req.url).origin;
      const settings = unwrap(await stub.updateSettings(c.var.principal, input, origin));
      return c.json({ success: true as const, settings }, 200);
    },
  );

/**
 * Opsdeck will POST notifications to these URLs, so they must pass the outbound URL policy
 * (SSRF); loopback only where the deployment allows it (local development and tests).
 */
function assertWebhookAllowed(
  url: string | null | undefined,
  allowLoopback: boolean,
  path: string,
): void {
  if (typeof url !== "string") return;
  const verdict = checkOutboundUrl(url, { allowLoopback });
  if (verdict.ok) return;
  throw new ApiError(400, "url_not_allowed", `${path}: ${verdict.reason}.`, [
    { path, message: verdict.reason },
  ]);
}
