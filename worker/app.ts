import { seedAuthRoutes } from "./routes/seed-auth";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, onError, problem } from "./errors";
import { csrfGuard } from "./middleware/auth";
import { crossOrigin } from "./middleware/cors";
import { jsonBody } from "./middleware/json-body";
import { openapiGuard } from "./middleware/operator";
import { refusalFloor } from "./middleware/refusal-floor";
import { router } from "./openapi";
import { activityRoutes } from "./routes/activity";
import { actionRoutes } from "./routes/actions";
import { alertRoutes } from "./routes/alerts";
import { alertRuleRoutes } from "./routes/alert-rules";
import { anomalyRoutes } from "./routes/anomalies";
import { allowedOriginRoutes } from "./routes/allowed-origins";
import { auditRoutes } from "./routes/audit";
import { awsIntegrationRoutes } from "./routes/aws-integration";
import { prometheusIntegrationRoutes } from "./routes/prometheus-integration";
import { dashboardRoutes } from "./routes/dashboard";
import { joinPageRoutes } from "./routes/join-page";
import { memberPageRoutes } from "./routes/pages-members";
import { detailPageRoutes } from "./routes/pages-details";
import { settingsPageRoutes } from "./routes/pages-settings";
import { collectionRoutes } from "./routes/collection";
import { contractRoutes } from "./routes/contracts";
import { deploymentRoutes } from "./routes/deployments";
import { githubIntegrationRoutes } from "./routes/github-integration";
import { healthRoutes } from "./routes/health";
import { githubHookRoutes } from "./routes/hooks-github";
import { alertHookRoutes, pagerDutyRoutes } from "./routes/hooks-alerting";
import { incidentRoutes } from "./routes/incidents";
import { integrationRoutes } from "./routes/integrations";
import { inventoryRoutes } from "./routes/inventory";
import { memberRoutes } from "./routes/members";
import { passkeyRoutes } from "./routes/passkeys";
import { metricsRoutes } from "./routes/metrics";
import { notificationRoutes } from "./routes/notifications";
import { pipelineRoutes } from "./routes/pipelines";
import { prometheusRoutes } from "./routes/prometheus";
import { publicStatusHeaders, publicStatusRoutes } from "./routes/public-status";
import { securityRoutes } from "./routes/security";
import { sessionRoutes } from "./routes/session";
import { ssoAuthRoutes } from "./routes/sso-auth";
import { ssoIntegrationRoutes } from "./routes/sso-integration";
import { settingsRoutes } from "./routes/settings";
import { silenceRoutes } from "./routes/silences";
import { socketRoutes } from "./routes/sockets";
import { statusRoutes } from "./routes/status";
import { statusPageRoutes } from "./routes/status-page";
import { tokenRoutes } from "./routes/tokens";
import { workspaceRoutes } from "./routes/workspaces";

const api = router()
  .route("/", sessionRoutes)
  .route("/", metricsRoutes)
  .route("/", alertRoutes)
  .route("/", incidentRoutes)
  .route("/", deploymentRoutes)
  .route("/", pipelineRoutes)
  .route("/", securityRoutes)
  .route("/", inventoryRoutes)
  .route("/", activityRoutes)
  .route("/", settingsRoutes)
  .route("/", statusRoutes)
  .route("/", statusPageRoutes)
  .route("/", auditRoutes)
  .route("/", tokenRoutes)
  .route("/", memberRoutes)
  .route("/", passkeyRoutes)
  .route("/", silenceRoutes)
  .route("/", integrationRoutes)
  .route("/", githubIntegrationRoutes)
  .route("/", actionRoutes)
  .route("/", awsIntegrationRoutes)
  .route("/", prometheusIntegrationRoutes)
  .route("/", ssoIntegrationRoutes)
  .route("/", collectionRoutes)
  .route("/", contractRoutes)
  .route("/", alertRuleRoutes)
  .route("/", notificationRoutes)
  .route("/", allowedOriginRoutes)
  .route("/", anomalyRoutes);

export const app = router();

app.use(requestId());
// Unknown workspace and wrong credential answer after the same delay (no existence oracle).
app.use("/w/:workspace/*", refusalFloor);
app.use("/auth/*", refusalFloor);
// Before secureHeaders, so it runs after it and may loosen what embedding needs (see there).
app.use("/status/*", publicStatusHeaders);
app.use(
  secureHeaders({
    // Browsers send `Origin: null` on same-origin posts under no-referrer, which the CSRF checks
    // must refuse; same-origin keeps referrers off other sites and real Origins on our own.
    referrerPolicy: "same-origin",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
    },
  }),
);

app.route("/", healthRoutes);
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "A workspace token (odk.<workspace>.…), or the operator token for /api/workspaces.",
});
let openapiDocument: ReturnType<typeof app.getOpenAPI31Document> | undefined;
app.get("/openapi.json", openapiGuard, (c) => {
  // Generating walks every route's zod schemas (~80 ms of CPU); routes never change once built.
  openapiDocument ??= app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Opsdeck API",
      version: "1",
      description:
        "Workspace API under /w/{workspace}/api. Authenticate with 'Authorization: Bearer <token>' or the session cookie. Errors are RFC 9457 problem+json. Live updates: a WebSocket upgrade at /w/{workspace}/ws (?frames=opsdeck|contract picks Opsdeck's snapshot-and-deltas or the dashboard contract's frames; ?lastSeq= resumes; ?ticket= authenticates browsers; see the README). Browsers on an origin listed in /w/{workspace}/api/allowed-origins may call it cross-origin (CORS preflight answered, bearer tokens only, never cookies) and open the socket with a ticket from POST api/ws-ticket.",
    },
    security: [{ bearer: [] }],
  });
  return c.json(openapiDocument);
});
// First, so a preflight is answered before any check that would refuse it.
app.use("/w/:workspace/api/*", crossOrigin);
for (const path of ["/api/*", "/w/:workspace/api/*"]) app.use(path, csrfGuard, jsonBody);
app.use("/auth/*", jsonBody);
app.route("/api/workspaces", workspaceRoutes);
app.route("/", seedAuthRoutes);
app.route("/w/:workspace/api", api);
app.route("/w/:workspace/auth", ssoAuthRoutes);
app.route("/w/:workspace", socketRoutes);
app.route("/w/:workspace", prometheusRoutes);
app.route("/w/:workspace", githubHookRoutes);
app.route("/w/:workspace", alertHookRoutes);
app.route("/", pagerDutyRoutes);
app.route("/", publicStatusRoutes);
app.route("/", dashboardRoutes);
app.route("/", joinPageRoutes);
app.route("/", memberPageRoutes);
app.route("/", detailPageRoutes);
app.route("/", settingsPageRoutes);

app.notFound((c) =>
  problem(
    c,
    new ApiError(404, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`),
  ),
);
app.onError(onError);

export type App = typeof app;
export type { AppEnv };
