import { z } from "zod";

/**
 * Why the object refused or closed a live socket; the label of the `/metrics` counters
 * `opsdeck_websocket_refused_total` and `opsdeck_websocket_closed_total`.
 * - `workspace_cap`: the workspace already holds its cap of sockets (the new one is refused).
 * - `connect_rate`: the token opened sockets faster than its allowance (the new one is refused).
 * - `principal_cap`: the token already held its cap (its oldest socket was closed, 4008).
 * - `signed_out`, `token_revoked`, `session_expired`: the credential that opened the socket
 *   ended (closed 1008).
 * - `member_disabled`: an admin disabled the member whose session opened it (closed 1008).
 */
export const SocketLimitReason = z.enum([
  "workspace_cap",
  "connect_rate",
  "principal_cap",
  "signed_out",
  "token_revoked",
  "session_expired",
  "member_disabled",
]);
export type SocketLimitReason = z.infer<typeof SocketLimitReason>;

const Count = z.number().int().nonnegative();

/** The socket caps in force and what they did, for the Prometheus scrape. */
export const SocketLimitStats = z.object({
  capPerPrincipal: z.number().int().positive(),
  capPerWorkspace: z.number().int().positive(),
  /** Upgrades refused, by reason, since the workspace was created. */
  refused: z.partialRecord(SocketLimitReason, Count),
  /** Open sockets closed by the object, by reason, since the workspace was created. */
  closed: z.partialRecord(SocketLimitReason, Count),
});
export type SocketLimitStats = z.infer<typeof SocketLimitStats>;
