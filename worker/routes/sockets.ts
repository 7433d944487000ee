import { Hono } from "hono";
import { PRINCIPAL_HEADER } from "../../schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { authorize } from "../middleware/auth";

/**
 * `GET /w/:workspace/ws`: authenticated (bearer header, session cookie, or `?ticket=`) and
 * Origin-checked before the object is touched; the object only sees a vetted principal.
 */
export const socketRoutes = new Hono<AppEnv>().get(
  "/ws",
  async (c, next) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "upgrade_required", "Connect with a WebSocket upgrade.");
    }
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin) {
      throw new ApiError(
        403,
        "origin_rejected",
        "WebSocket connections from other sites are refused.",
      );
    }
    await next();
  },
  authorize("viewer", { allowTicket: true }),
  async (c) => {
    const url = new URL(c.req.url);
    url.searchParams.delete("ticket");
    const headers = new Headers({
      Upgrade: "websocket",
      [PRINCIPAL_HEADER]: JSON.stringify(c.var.principal),
    });
    const res = await c.var.workspace.stub.fetch(new Request(url, { headers }));
    // A response from another object has immutable headers, and the app's middleware
    // (request id, security headers) adds to them: hand back a fresh one around the socket.
    return new Response(res.body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      webSocket: res.webSocket,
    });
  },
);
