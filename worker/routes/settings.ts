import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Settings, SettingsInput } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { checkOutboundUrl } from "../lib/url-policy";
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
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(SettingsInput) },
      responses: {
        200: json(z.object({ success: z.literal(true), settings: Settings })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      assertWebhookAllowed(input.integrations?.slack?.webhookUrl);
      assertGithubApiUrl(
        input.integrations?.github?.apiUrl,
        c.env.ALLOW_LOOPBACK_URLS === "true",
        "json.integrations.github.apiUrl",
      );
      const settings = unwrap(await c.var.workspace.stub.updateSettings(c.var.principal, input));
      return c.json({ success: true as const, settings }, 200);
    },
  );

/** Opsdeck will POST to the Slack webhook, so it must pass the outbound URL policy (SSRF). */
function assertWebhookAllowed(url: string | null | undefined): void {
  if (typeof url !== "string") return;
  const verdict = checkOutboundUrl(url);
  if (verdict.ok) return;
  const path = "json.integrations.slack.webhookUrl";
  throw new ApiError(400, "url_not_allowed", `${path}: ${verdict.reason}.`, [
    { path, message: verdict.reason },
  ]);
}
