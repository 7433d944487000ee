import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  DeploymentActionResult,
  DeploymentLogs,
  PipelineActionResult,
  ProviderAction,
  ProviderActionQuery,
  RecordId,
  RerunBody,
  RollbackBody,
  StageLogs,
} from "../../schema";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

/**
 * The dashboard's provider actions (contract: retry, rollback and logs of deployments; re-run,
 * cancel and stage logs of pipelines), performed through GitHub by the workspace object.
 * Operator role for all of them: even the logs are read with the workspace's token.
 */

const actionResponses = {
  404: { description: "No such deployment or pipeline" },
  409: {
    description:
      "Refused: rollback_conflict, deployment_in_progress, provider_conflict (GitHub refused, with its message), action_unsupported, github_not_configured",
  },
  502: { description: "upstream_error: GitHub failed or rejected the token; nothing changed" },
  503: { description: "upstream_error: GitHub rate limit or no answer; see Retry-After" },
} as const;

const StageParams = WorkspaceRecordParams.extend({ stageId: RecordId });

export const actionRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/deployments/{id}/retry",
      summary: "Redeploy this deployment's commit to its environment (GitHub deployment)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(DeploymentActionResult), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const { stub } = c.var.workspace;
      const done = unwrap(await stub.retryDeployment(c.var.principal, c.req.valid("param").id));
      return c.json({ success: true as const, ...done }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/deployments/{id}/rollback",
      summary:
        "Redeploy the last earlier successful version of this deployment's environment (or targetId)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(RollbackBody, false) },
      responses: { 200: json(DeploymentActionResult), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const body = RollbackBody.parse(c.req.valid("json") ?? {});
      const { stub } = c.var.workspace;
      const done = unwrap(
        await stub.rollbackDeployment(c.var.principal, c.req.valid("param").id, body),
      );
      return c.json({ success: true as const, ...done }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/deployments/{id}/logs",
      summary: "The deployment's statuses from GitHub, oldest first",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(DeploymentLogs), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const logs = unwrap(await c.var.workspace.stub.deploymentLogs(c.req.valid("param").id));
      return c.json({ logs }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/pipeline/{id}/rerun",
      summary: "Re-run a GitHub Actions run (every job, or failedOnly)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(RerunBody, false) },
      responses: { 200: json(PipelineActionResult), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const body = RerunBody.parse(c.req.valid("json") ?? {});
      const { stub } = c.var.workspace;
      const done = unwrap(
        await stub.rerunPipeline(c.var.principal, c.req.valid("param").id, body.failedOnly),
      );
      return c.json({ success: true as const, ...done }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/pipeline/{id}/cancel",
      summary: "Cancel a GitHub Actions run",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(PipelineActionResult), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const { stub } = c.var.workspace;
      const done = unwrap(await stub.cancelPipeline(c.var.principal, c.req.valid("param").id));
      return c.json({ success: true as const, ...done }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/pipeline/{id}/logs/{stageId}",
      summary: "A stage's (GitHub Actions job's) log, one entry per line; the tail when long",
      middleware: [authorize("operator")] as const,
      request: { params: StageParams },
      responses: { 200: json(StageLogs), ...actionResponses, ...problemResponses },
    }),
    async (c) => {
      const { id, stageId } = c.req.valid("param");
      return c.json(unwrap(await c.var.workspace.stub.stageLogs(id, stageId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/github/actions",
      summary: "Recent provider actions with their outcome (failed ones say why)",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, query: ProviderActionQuery },
      responses: {
        200: json(z.object({ actions: z.array(ProviderAction) })),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json(
        { actions: await c.var.workspace.stub.listProviderActions(c.req.valid("query").limit) },
        200,
      ),
  );
