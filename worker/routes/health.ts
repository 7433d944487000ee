import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { router } from "../openapi";
import { json } from "./params";

const Health = z.object({ status: z.literal("ok"), service: z.string(), time: z.string() });

/** Liveness for load balancers and uptime checks: no credentials, nothing internal, never cached. */
export const healthRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/health",
    summary: "Liveness (no credentials)",
    security: [],
    responses: { 200: json(Health) },
  }),
  (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(
      { status: "ok" as const, service: "opsdeck", time: new Date().toISOString() },
      200,
    );
  },
);
