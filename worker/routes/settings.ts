import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Settings, SettingsInput } from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
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
      const settings = unwrap(
        await c.var.workspace.stub.updateSettings(c.var.principal, c.req.valid("json")),
      );
      return c.json({ success: true as const, settings }, 200);
    },
  );
