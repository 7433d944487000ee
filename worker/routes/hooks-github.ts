import { createRoute } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { GithubDeliveryResult } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { workspaceParam } from "../middleware/auth";
import { router } from "../openapi";
import { githubUnknownWorkspace } from "../lib/hook-refusals";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { WorkspaceParams, json } from "./params";

/** GitHub caps webhook payloads at 25 MB; larger bodies are refused before they are read. */
export const GITHUB_BODY_LIMIT = 25 * 1024 * 1024;

// Counts streamed (chunked) bodies too, so a body without Content-Length cannot slip past.
const githubBodyLimit = bodyLimit({
  maxSize: GITHUB_BODY_LIMIT,
  onError: () => {
    throw new ApiError(
      413,
      "payload_too_large",
      `GitHub deliveries are limited to ${GITHUB_BODY_LIMIT} bytes.`,
    );
  },
});

/**
 * GitHub webhook receiver. Not under `api/`: no bearer token and no JSON middleware, because
 * the sender authenticates with `X-Hub-Signature-256` over the raw bytes, which must reach the
 * workspace object untouched. Every decision (signature, idempotency, mapping) is made there.
 */
export const githubHookRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/hooks/github",
    summary:
      "GitHub webhook deliveries (workflow runs and jobs, deployments, checks, alerts, activity)",
    description:
      "Authenticated by X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the integration's secret; during a rotation the previous secret is accepted too). Idempotent by X-GitHub-Delivery. Body: application/json, or application/x-www-form-urlencoded with a payload field; at most 25 MB. 200 accepted/duplicate/pong, 202 ignored (unmapped event or action, stored nowhere), 401 signature_invalid, 404 integration_not_found.",
    middleware: [githubBodyLimit] as const,
    request: { params: WorkspaceParams },
    responses: {
      200: json(GithubDeliveryResult, "Applied, already applied (duplicate), or ping"),
      202: json(GithubDeliveryResult, "Acknowledged and ignored"),
      400: { description: "invalid_json, invalid_payload or missing_header (problem+json)" },
      401: { description: "signature_invalid (problem+json)" },
      404: { description: "No such workspace, or no GitHub integration (problem+json)" },
      413: { description: "Body over 25 MB (problem+json)" },
      415: { description: "Neither JSON nor form-encoded (problem+json)" },
      503: { description: "Storing failed; nothing kept, redeliver (problem+json)" },
    },
  }),
  async (c) => {
    const stub = await workspaceStub(c.env, workspaceParam(c), clientIp(c.req), () =>
      githubUnknownWorkspace(c.req.header("X-Hub-Signature-256"), c.req.header("X-Hub-Signature")),
    );
    const result = unwrap<GithubDeliveryResult>(
      await stub.ingestGithub({
        event: c.req.header("X-GitHub-Event"),
        deliveryId: c.req.header("X-GitHub-Delivery"),
        signature256: c.req.header("X-Hub-Signature-256"),
        legacySignature: c.req.header("X-Hub-Signature") !== undefined,
        contentType: c.req.header("Content-Type"),
        body: new Uint8Array(await c.req.arrayBuffer()),
      }),
    );
    if (result.status === "ignored") return c.json(result, 202);
    return c.json(result, 200);
  },
);
