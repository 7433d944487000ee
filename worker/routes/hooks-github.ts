import { createRoute } from "@hono/zod-openapi";
import { GithubDeliveryResult } from "../../schema";
import { ApiError, unwrap } from "../errors";
import { GITHUB_BODY_LIMIT, checkGithubHeaders } from "../lib/github-hook-request";
import { cancel, readCappedBody } from "../lib/read-capped-body";
import { workspaceParam } from "../middleware/auth";
import { router } from "../openapi";
import { githubUnknownWorkspace } from "../lib/hook-refusals";
import { clientIp, workspaceStub } from "../lib/workspace-directory";
import { WorkspaceParams, json } from "./params";

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
      "Authenticated by X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the integration's secret; during a rotation the previous secret is accepted too). Headers are checked before the body is read (400 missing_header/invalid_header, 415, 401 signature_missing naming the header in issues[].path), and the body is counted as it streams. Idempotent by X-GitHub-Delivery and by the SHA-256 of the raw body (a captured delivery replayed under a new id is a duplicate). Body: application/json, or application/x-www-form-urlencoded with a payload field; at most 25 MB. 200 accepted/duplicate/pong, 202 ignored (unmapped event or action, stored nowhere), 401 signature_missing/signature_invalid, 404 integration_not_found.",
    request: { params: WorkspaceParams },
    responses: {
      200: json(GithubDeliveryResult, "Applied, already applied (duplicate), or ping"),
      202: json(GithubDeliveryResult, "Acknowledged and ignored"),
      400: {
        description:
          "missing_header / invalid_header (X-GitHub-Event, X-GitHub-Delivery; checked before the body is read), invalid_json or invalid_payload (problem+json)",
      },
      401: { description: "signature_missing or signature_invalid (problem+json)" },
      404: { description: "No such workspace, or no GitHub integration (problem+json)" },
      413: { description: "Body over 25 MB (problem+json)" },
      415: { description: "Neither JSON nor form-encoded (problem+json)" },
      503: { description: "Storing failed; nothing kept, redeliver (problem+json)" },
    },
  }),
  async (c) => {
    const workspace = workspaceParam(c);
    const req = c.req.raw;
    // Headers first, directory second, body third, object last: a stranger's request costs a
    // header check and a cached lookup, and at most GITHUB_BODY_LIMIT bytes are ever read.
    const headers = checkGithubHeaders(req.headers);
    if (!headers.ok) {
      await cancel(req.body);
      throw ApiError.from(headers);
    }
    const stub = await workspaceStub(c.env, workspace, clientIp(c.req), async () => {
      await cancel(req.body);
      return githubUnknownWorkspace(
        c.req.header("X-Hub-Signature-256"),
        c.req.header("X-Hub-Signature"),
      );
    });
    const body = await readCappedBody(req, GITHUB_BODY_LIMIT);
    if (!body.ok) throw ApiError.from(body);
    const result = unwrap<GithubDeliveryResult>(
      await stub.ingestGithub({ ...headers.value, body: body.value }),
    );
    if (result.status === "ignored") return c.json(result, 202);
    return c.json(result, 200);
  },
);
