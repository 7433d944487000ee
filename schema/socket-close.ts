/**
 * Close code for a socket replaced by a newer one of the same token: in the 4000–4999 range
 * applications define (RFC 6455 §7.4.2), so a client can tell it from a policy close (1008)
 * and stop reconnecting instead of evicting its own newer socket in turn. No zod here: the
 * browser client imports this file.
 */
export const SOCKET_EVICTED_CODE = 4008;
export const SOCKET_EVICTED_REASON = "socket limit: oldest closed";
