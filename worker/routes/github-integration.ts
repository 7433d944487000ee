import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { GithubIntegrationBody, GithubIntegrationView } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { checkOutboundUrl } from "../../lib/url-policy";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/**
 * Opsdeck sends the GitHub token to `apiUrl`, so it must pass the outbound URL policy (SSRF):
 * https to a public name (GitHub Enterprise Server included), loopback only where allowed.
 */
export function assertGithubApiUrl(
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

/** The GitHub integration (token, owner, repositories, API URL): admin only. */
export const githubIntegrationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/github",
      summary: "GitHub integration; the token is reported only as set or not",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ integration: GithubIntegrationView })),
        ...problemResponses,
      },
    }),
    async (c) => c.json({ integration: await c.var.workspace.stub.getGithubIntegration() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/integrations/github",
      summary:
        "Configure GitHub collection and actions. Omitting token keeps the stored one; null clears it.",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(GithubIntegrationBody) },
      responses: {
        200: json(z.object({ success: z.literal(true), integration: GithubIntegrationView })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      assertGithubApiUrl(body.apiUrl, c.env.ALLOW_LOOPBACK_URLS === "true", "json.apiUrl");
      const integration = unwrap(await c.var.workspace.stub.configureGithub(c.var.principal, body));
      return c.json({ success: true as const, integration }, 200);
    },
  );
