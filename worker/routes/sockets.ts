import { Hono } from "hono";
import { z } from "zod";
import { CREDENTIAL_HEADER, FRAMES_PARAM, FrameMode } from "../../schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { invalidCredential, vetCredential } from "../middleware/auth";

const SocketQuery = z.object({ [FRAMES_PARAM]: FrameMode.optional() });

/**
 * `GET /w/:workspace/ws`: Origin-checked and the credential vetted (present, well formed, of
 * this workspace) before the object is touched; the object then authenticates and accepts in
 * one call, so a reconnect storm after a deploy costs one trip per socket, not two.
 * `?frames=opsdeck|contract` picks the frames the socket gets (schema/frames.ts FrameMode).
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
  async (c) => {
    const { id, credential } = vetCredential(c, true);
    const url = new URL(c.req.url);
    const query = SocketQuery.safeParse({
      frames: url.searchParams.get(FRAMES_PARAM) ?? undefined,
    });
    if (!query.success) throw ApiError.validation(query.error, "query");
    url.searchParams.delete("ticket");
    const headers = new Headers({
      Upgrade: "websocket",
      [CREDENTIAL_HEADER]: JSON.stringify(credential),
    });
    const res = await c.env.WORKSPACE.getByName(id).fetch(new Request(url, { headers }));
    if (res.status === 401) throw invalidCredential();
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
