import { Hono } from "hono";
import { z } from "zod";
import { CREDENTIAL_HEADER, FRAMES_PARAM, FrameMode } from "../../schema";
import {
  SOCKET_CONNECTS_PER_TOKEN,
  SOCKET_REFUSAL_HEADER,
  SOCKET_RETRY_AFTER_SECONDS,
  connectBurst,
  socketCaps,
  type SocketCaps,
} from "../../durable-objects/domain/socket-limits";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { invalidCredential, vetCredential } from "../middleware/auth";
import { foreignOrigin, workspaceAllows } from "../middleware/cors";
import { clientIp, findWorkspace, workspaceStub } from "../lib/workspace-directory";
import { chargeUpgrade, noteRefusedUpgrade } from "../lib/upgrade-limit";

/** The 429 for a credential past its upgrade allowance, from this isolate or from the object. */
function connectRateLimited(caps: SocketCaps, retryAfter: string): ApiError {
  return new ApiError(
    429,
    "rate_limited",
    `Too many connections from this credential: at most ${connectBurst(caps)} at once, then ${SOCKET_CONNECTS_PER_TOKEN.perSecond} a second. Reconnect with backoff.`,
    undefined,
    { "Retry-After": retryAfter },
  );
}

const SocketQuery = z.object({ [FRAMES_PARAM]: FrameMode.optional() });

/**
 * `GET /w/:workspace/ws`: Origin-checked and the credential vetted (present, well formed, of
 * this workspace) before the object is touched; the object then authenticates and accepts in
 * one call, so a reconnect storm after a deploy costs one trip per socket, not two. A foreign
 * Origin is accepted only with a ticket and only if the workspace lists it (api/allowed-origins,
 * read from the isolate's short cache or with one cheap call).
 * `?frames=opsdeck|contract` picks the frames the socket gets (schema/frames.ts FrameMode).
 * Past the token's socket cap its oldest socket is closed (4008); past the workspace's cap the
 * upgrade is refused with 429 and Retry-After.
 */
export const socketRoutes = new Hono<AppEnv>().get(
  "/ws",
  async (c, next) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "upgrade_required", "Connect with a WebSocket upgrade.");
    }
    const origin = foreignOrigin(c);
    // Another origin needs a ticket (never a cookie or header credential) before its list is read.
    if (origin !== undefined && (c.req.header("Authorization") || !c.req.query("ticket")))
      throw new ApiError(
        403,
        "origin_rejected",
        "From another origin, connect with ?ticket= from POST api/ws-ticket (bearer token); cookies are not accepted cross-origin.",
      );
    if (origin !== undefined && !(await workspaceAllows(c, origin)))
      throw new ApiError(
        403,
        "origin_rejected",
        "WebSocket connections from this origin are refused: an admin can list it in PUT api/allowed-origins.",
      );
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
    // A reconnect loop past the credential's allowance is refused here, without the object.
    const caps = socketCaps(c.env);
    const charged = chargeUpgrade(caps, id, credential.secret);
    if (!charged.ok) {
      // Counted in the workspace's /metrics, a batch at most once a second per isolate; a
      // slug the directory does not know (from this isolate's cache) reports to no one.
      const report = noteRefusedUpgrade(id);
      if (report > 0)
        await (async () =>
          (await findWorkspace(c.env, id, clientIp(c.req)))?.countRefusedUpgrades(report))()
          // Best effort: the caller's answer is the 429 whatever the report's fate.
          .catch(() => undefined);
      throw connectRateLimited(caps, String(charged.retryAfterSeconds));
    }
    // An unknown workspace answers as a wrong credential does, and no object is named.
    const stub = await workspaceStub(c.env, id, clientIp(c.req), invalidCredential);
    const res = await stub.fetch(new Request(url, { headers }));
    if (res.status === 401) throw invalidCredential();
    if (res.status === 429 && res.headers.get(SOCKET_REFUSAL_HEADER) === "connect_rate")
      throw connectRateLimited(caps, res.headers.get("Retry-After") ?? "1");
    // The workspace holds its cap of sockets (durable-objects/domain/socket-limits.ts): the
    // newcomer is refused before any socket exists, and open dashboards stay live.
    if (res.status === 429)
      throw new ApiError(
        429,
        "socket_limit",
        `This workspace has its maximum of ${socketCaps(c.env).perWorkspace} live connections; try again later or close unused dashboards.`,
        undefined,
        { "Retry-After": res.headers.get("Retry-After") ?? String(SOCKET_RETRY_AFTER_SECONDS) },
      );
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
