import type { SocketLimitReason, SocketLimitStats } from "../../schema";
import type { Family } from "./prometheus";

/** Reasons each counter can carry; each series is written from the start (0), never born late. */
const REFUSED: readonly SocketLimitReason[] = ["workspace_cap", "connect_rate"];
const CLOSED: readonly SocketLimitReason[] = [
  "principal_cap",
  "signed_out",
  "token_revoked",
  "session_expired",
  "member_disabled",
];

/**
 * The socket caps and what they did, for `/metrics` (the open count itself is
 * `opsdeck_websocket_clients`). Nothing when the object predates the caps.
 * @example socketFamilies(stats.socketLimits)
 */
export function socketFamilies(limits: SocketLimitStats | undefined): Family[] {
  if (!limits) return [];
  return [
    {
      name: "opsdeck_websocket_limit",
      help: "Socket caps: per principal (a token; its oldest socket closes past it) and per workspace (new sockets are refused past it).",
      type: "gauge",
      samples: [
        { labels: { scope: "principal" }, value: limits.capPerPrincipal },
        { labels: { scope: "workspace" }, value: limits.capPerWorkspace },
      ],
    },
    {
      name: "opsdeck_websocket_refused_total",
      help: "Socket upgrades refused, by reason.",
      type: "counter",
      samples: REFUSED.map((reason) => ({
        labels: { reason },
        value: limits.refused[reason] ?? 0,
      })),
    },
    {
      name: "opsdeck_websocket_closed_total",
      help: "Open sockets closed by the server, by reason (a cap, or the credential that opened them ended).",
      type: "counter",
      samples: CLOSED.map((reason) => ({ labels: { reason }, value: limits.closed[reason] ?? 0 })),
    },
  ];
}
