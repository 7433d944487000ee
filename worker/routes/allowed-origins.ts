import { createRoute } from "@hono/zod-openapi";
import { AllowedOrigins, AllowedOriginsInput, type Problem } from "../../schema";
import { checkOrigin } from "../../lib/origin-policy";
import { ApiError, unwrap } from "../errors";
import { forgetAllowedOrigins } from "../lib/allowed-origins-cache";
import { authorize } from "../middleware/auth";
import { problemResponses, router } from "../openapi";
import { WorkspaceParams, json, jsonBody } from "./params";

const CORS_NOTE =
  "Browsers on a listed origin may call this workspace's API with 'Authorization: Bearer <token>' (CORS; never with cookies: no Access-Control-Allow-Credentials) and open the socket with a ticket from POST api/ws-ticket. Each entry is scheme://host[:port]: https, or http/https on a loopback host where ALLOW_LOOPBACK_URLS=true; no path, query, fragment, user info or wildcard; stored normalised (lowercase, default port dropped). Other Worker isolates see a change within 30 s.";

/** `api/allowed-origins`: the browser origins allowed to call this workspace cross-origin. */
export const allowedOriginRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/allowed-origins",
      summary: "Origins allowed to call this workspace cross-origin (viewer)",
      description: `Any origin's standing is visible to anyone through a preflight, so every role may read the list. ${CORS_NOTE}`,
      middleware: [authorize("viewer")] as const,
      request: { params: WorkspaceParams },
      responses: { 200: json(AllowedOrigins), ...problemResponses },
    }),
    async (c) => c.json({ origins: await c.var.workspace.stub.getAllowedOrigins() }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/allowed-origins",
      summary: "Replace the allowed cross-origin clients (admin, audited)",
      description: `At most 20 origins; [] allows none. A bad entry is a 400 naming json.origins.<index>. ${CORS_NOTE}`,
      middleware: [authorize("admin")] as const,
      request: { params: WorkspaceParams, ...jsonBody(AllowedOriginsInput) },
      responses: { 200: json(AllowedOrigins), ...problemResponses },
    }),
    async (c) => {
      const origins = normalise(c.req.valid("json").origins, c.env.ALLOW_LOOPBACK_URLS === "true");
      const { id, stub } = c.var.workspace;
      const saved = unwrap(await stub.setAllowedOrigins(c.var.principal, origins));
      forgetAllowedOrigins(id);
      return c.json({ origins: saved }, 200);
    },
  );

/** Every entry checked and normalised; all failures are reported at once, by index. */
function normalise(raw: string[], allowLoopback: boolean): string[] {
  const issues: NonNullable<Problem["issues"]> = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of raw.entries()) {
    const path = `json.origins.${index}`;
    const verdict = checkOrigin(entry, { allowLoopback });
    const earlier = verdict.ok ? seen.get(verdict.origin) : undefined;
    if (!verdict.ok) issues.push({ path, message: verdict.reason });
    else if (earlier !== undefined)
      issues.push({ path, message: `${verdict.origin} is already listed at index ${earlier}` });
    else seen.set(verdict.origin, index);
  }
  const first = issues[0];
  if (first)
    throw new ApiError(400, "origin_not_allowed", `${first.path}: ${first.message}.`, issues);
  return [...seen.keys()];
}
