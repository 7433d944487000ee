import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  ANOMALY_REQUEST_MAX_POINTS,
  Anomaly,
  AnomalyFeedbackBody,
  AnomalyQuery,
  DetectBody,
  DetectResult,
  DetectionSettingsBody,
  RecordId,
  ResolveAlertBody,
  SeriesDetection,
} from "../../schema";
import type { AppEnv } from "../env";
import { unwrap } from "../errors";
import { detectBatch } from "../lib/anomaly-batch";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, WorkspaceRecordParams, json, jsonBody } from "./params";

const AnomalyResult = z.object({ success: z.literal(true), anomaly: Anomaly });
const SeriesParams = WorkspaceParams.extend({ id: RecordId });
const conflict = {
  409: { description: "The alert's state forbids it (problem+json with `current`)" },
};
const tooLarge = { 413: { description: "Body over 1 MB (more points than a request may hold)" } };

type LifecycleAction = "acknowledge" | "resolve" | "dismiss";
const withNotes = { params: WorkspaceRecordParams, ...jsonBody(ResolveAlertBody, false) };
const withoutBody = { params: WorkspaceRecordParams };

/**
 * The lifecycle actions on an anomaly's alert differ only in the verb, the summary and
 * whether they take optional `notes` (dismiss takes no body): one route config for all.
 */
function lifecycleRoute<R extends typeof withoutBody>(
  action: LifecycleAction,
  summary: string,
  request: R,
) {
  return createRoute({
    method: "post",
    path: `/anomaly/{id}/${action}`,
    summary,
    middleware: [authorize("operator")] as const,
    request,
    responses: { 200: json(AnomalyResult), ...problemResponses, ...conflict },
  });
}

/** …and one handler body: act through the workspace, answer with the anomaly. */
async function act(c: Context<AppEnv>, id: string, action: LifecycleAction, body?: unknown) {
  const { notes } = ResolveAlertBody.parse(body ?? {});
  const anomaly = unwrap(
    await c.var.workspace.stub.actOnAnomaly(c.var.principal, id, action, notes),
  );
  return c.json({ success: true as const, anomaly }, 200);
}

/**
 * Anomalies: what the streaming detector flags on metric series (capabilities/anomalies.ts),
 * each with its alert (`source: anomaly`) in the shared lifecycle. Viewers read; operators
 * act and judge; admins configure a series' detection. `POST /anomaly` scores a series sent
 * in the request with a fresh detector and stores nothing.
 */
export const anomalyRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/anomaly",
      summary: `Score a series on demand (at most ${ANOMALY_REQUEST_MAX_POINTS} points, oldest first); nothing is stored`,
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceParams, ...jsonBody(DetectBody) },
      responses: { 200: json(DetectResult), ...problemResponses, ...tooLarge },
    }),
    async (c) => c.json(detectBatch(c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/anomaly",
      summary: "Anomalies, newest first (?status= incl. open, ?series=, ?since=); at most 200",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams, query: AnomalyQuery },
      responses: { 200: json(z.object({ anomalies: z.array(Anomaly) })), ...problemResponses },
    }),
    async (c) => {
      const anomalies = await c.var.workspace.stub.listAnomalies(c.req.valid("query"));
      return c.json({ anomalies }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/anomaly/{id}",
      summary: "One anomaly: score, expected band, triggering points, its alert's status",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceRecordParams },
      responses: { 200: json(z.object({ anomaly: Anomaly })), ...problemResponses },
    }),
    async (c) => {
      const anomaly = unwrap(await c.var.workspace.stub.getAnomaly(c.req.valid("param").id));
      return c.json({ anomaly }, 200);
    },
  )
  .openapi(lifecycleRoute("acknowledge", "Acknowledge the anomaly's alert", withNotes), async (c) =>
    act(c, c.req.valid("param").id, "acknowledge", c.req.valid("json")),
  )
  .openapi(
    lifecycleRoute("resolve", "Resolve the anomaly's alert by hand; the anomaly closes", withNotes),
    async (c) => act(c, c.req.valid("param").id, "resolve", c.req.valid("json")),
  )
  .openapi(
    lifecycleRoute(
      "dismiss",
      "Dismiss the anomaly's alert (off every list, kept for the audit trail)",
      withoutBody,
    ),
    async (c) => act(c, c.req.valid("param").id, "dismiss"),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/anomaly/{id}/feedback",
      summary:
        "Judge an anomaly a true or false positive; false ones make its series less sensitive",
      middleware: [authorize("operator")] as const,
      request: { params: WorkspaceRecordParams, ...jsonBody(AnomalyFeedbackBody) },
      responses: { 200: json(AnomalyResult), ...problemResponses },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const stub = c.var.workspace.stub;
      const anomaly = unwrap(await stub.anomalyFeedback(c.var.principal, id, c.req.valid("json")));
      return c.json({ success: true as const, anomaly }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/metrics/{id}/detection",
      summary: "A series' anomaly detection: settings, threshold, feedback and its precision",
      middleware: [authorize("viewer")] as const,
      request: { params: SeriesParams },
      responses: { 200: json(z.object({ detection: SeriesDetection })), ...problemResponses },
    }),
    async (c) => {
      const detection = unwrap(await c.var.workspace.stub.getDetection(c.req.valid("param").id));
      return c.json({ detection }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/metrics/{id}/detection",
      summary: "Turn a series' detection off or on, set its sensitivity or its expected windows",
      middleware: [authorize("admin")] as const,
      request: { params: SeriesParams, ...jsonBody(DetectionSettingsBody) },
      responses: {
        200: json(z.object({ success: z.literal(true), detection: SeriesDetection })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const id = c.req.valid("param").id;
      const detection = unwrap(
        await stub.configureDetection(c.var.principal, id, c.req.valid("json")),
      );
      return c.json({ success: true as const, detection }, 200);
    },
  );
