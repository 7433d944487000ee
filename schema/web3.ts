import { z } from "zod";
import { networkLogo } from "./chain-logos";
import { Provenance, RecordId } from "./common";

export const GasPrice = z.object({ slow: z.number(), average: z.number(), fast: z.number() });

/** Fills a card's logo on every read (schema/chain-logos.ts): stored cards may have `""`. */
function fillLogo(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  const logo = typeof record.logo === "string" ? record.logo : undefined;
  const chainId = typeof record.chainId === "number" ? record.chainId : undefined;
  return { ...record, logo: networkLogo(logo, chainId) };
}

/**
 * Contract Web3 network card; gas in gwei, blockTime in seconds. `logo` is an image URL: the
 * network's configured one when it is an https or `data:image/` URL, else an inline SVG mark
 * for the chain (`chainLogo`).
 */
export const Web3Network = z.preprocess(
  fillLogo,
  z.object({
    id: RecordId,
    name: z.string().max(100),
    logo: z.string().max(2000),
    status: z.enum(["healthy", "warning", "critical"]),
    blockNumber: z.number().int().nonnegative(),
    blockTime: z.number().nonnegative(),
    tps: z.number().nonnegative(),
    gasPrice: GasPrice,
    gasTrend: z.enum(["up", "down"]),
    chainId: z.number().int().positive().optional(),
    /** Why the last collection of this network failed; the card keeps its last good values. */
    lastError: z.string().max(2000).optional(),
    ...Provenance,
  }),
);
export type Web3Network = z.infer<typeof Web3Network>;

/** A network a workspace watches; the RPC URL is checked (SSRF policy, eth_chainId) when saved. */
export const EvmNetworkConfig = z
  .object({
    id: RecordId,
    name: z.string().min(1).max(100),
    chainId: z.number().int().positive(),
    rpcUrl: z.string().url().max(2000),
    logo: z.string().max(2000).default(""),
    explorerUrl: z.string().url().max(2000).optional(),
    /** Raise an alert when the average gas price (gwei) is at or above this. */
    gasAlertGwei: z.number().positive().optional(),
  })
  .strict();
export type EvmNetworkConfig = z.infer<typeof EvmNetworkConfig>;

/** Names and chain ids of well-known networks; the RPC URL is always the user's own. */
export const EVM_PRESETS = {
  ethereum: { name: "Ethereum", chainId: 1, explorerUrl: "https://etherscan.io" },
  polygon: { name: "Polygon", chainId: 137, explorerUrl: "https://polygonscan.com" },
} as const;
