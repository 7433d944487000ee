import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { router } from "../openapi";
import { json } from "./params";

const Health = z.object({ status: z.literal("ok"), service: z.string(), time: z.string() });

const liveness = (path: string, summary: string) =>
  createRoute({ method: "get", path, summary, security: [], responses: { 200: json(Health) } });

const body = () => ({ status: "ok" as const, service: "opsdeck", time: new Date().toISOString() });

/**
 * Liveness for load balancers and uptime checks: no credentials, nothing internal, never cached.
 * The same answer at `/health` and at the contract's `/api/health`.
 */
export const healthRoutes = router()
  .openapi(liveness("/health", "Liveness (no credentials)"), (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(body(), 200);
  })
  .openapi(liveness("/api/health", "Liveness, as the contract names it (same as /health)"), (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(body(), 200);
  });
