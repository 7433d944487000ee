import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { AccessSettings, SsoConfigInput, SsoConfigView } from "../../schema/sso";
import { unwrap } from "../errors";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

/**
 * Single sign-on settings: OpenID Connect (issuer, client, allowed domains, role mapping,
 * autoProvision) and Cloudflare Access (team domain, AUD tag). Everyone reads them (the
 * client secret only as `clientSecretSet`); only an admin changes them, audited.
 */
export const ssoIntegrationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/sso",
      summary:
        "Single sign-on (OpenID Connect) settings; the client secret only as clientSecretSet",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(z.object({ sso: SsoConfigView.nullable() })), ...problemResponses },
    }),
    async (c) => c.json({ sso: await c.var.workspace.stub.ssoConfig() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/integrations/sso",
      summary:
        "Configure single sign-on (admin). When enabled, the issuer's discovery document is fetched once now, so a wrong issuer is refused here (400 url_not_allowed, 502 sso_issuer_unreachable / sso_issuer_invalid on json.issuer). The client secret is sealed and never returned; omit it to keep it, null clears it.",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(SsoConfigInput) },
      responses: {
        200: json(z.object({ success: z.literal(true), sso: SsoConfigView })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const sso = unwrap(await stub.configureSso(c.var.principal, c.req.valid("json")));
      return c.json({ success: true as const, sso }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/access",
      summary: "Cloudflare Access settings (team domain and AUD tag), or null",
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: {
        200: json(z.object({ access: AccessSettings.nullable() })),
        ...problemResponses,
      },
    }),
    async (c) => c.json({ access: await c.var.workspace.stub.accessConfig() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/integrations/access",
      summary:
        "Configure Cloudflare Access (admin): when enabled, a request with a valid Cf-Access-Jwt-Assertion for an enabled member's address and no other credential is signed in as that member",
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(AccessSettings) },
      responses: {
        200: json(z.object({ success: z.literal(true), access: AccessSettings })),
        ...problemResponses,
      },
    }),
    async (c) => {
      const stub = c.var.workspace.stub;
      const access = unwrap(await stub.configureAccess(c.var.principal, c.req.valid("json")));
      return c.json({ success: true as const, access }, 200);
    },
  );
