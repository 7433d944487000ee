import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { StatusPageConfig, StatusPageResponse, type StatusPageLinks } from "../../schema";
import type { AppEnv } from "../env";
import { unwrap } from "../errors";
import { cacheKey, defaultCache, forgetPublicStatus } from "../lib/public-status-cache";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

function linksFor(c: Context<AppEnv>, workspace: string): StatusPageLinks {
  const base = `${new URL(c.req.url).origin}/status/${workspace}`;
  return { page: base, summary: `${base}.json`, badge: `${base}/badge.svg` };
}

/** The opt-in public status page: which components it shows and what feeds each (admin). */
export const statusPageRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/status-page",
      summary: "The public status page configuration (admin); disabled until enabled here",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(StatusPageResponse), ...problemResponses },
    }),
    async (c) => {
      const { id, stub } = c.var.workspace;
      return c.json({ statusPage: await stub.getStatusPage(), links: linksFor(c, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/status-page",
      summary:
        "Replace the public status page configuration (admin). Public copies refresh within 90 s.",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(StatusPageConfig) },
      responses: { 200: json(StatusPageResponse), ...problemResponses },
    }),
    async (c) => {
      const { id, stub } = c.var.workspace;
      const statusPage = unwrap(await stub.setStatusPage(c.var.principal, c.req.valid("json")));
      // Only this location's copy can be dropped (the Cache API is per location); elsewhere
      // the cached answer runs out on its own.
      await forgetPublicStatus(defaultCache(), cacheKey(new URL(c.req.url).origin, id));
      return c.json({ statusPage, links: linksFor(c, id) }, 200);
    },
  );
