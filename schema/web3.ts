import { z } from "zod";
import { Provenance, RecordId } from "./common";

export const GasPrice = z.object({ slow: z.number(), average: z.number(), fast: z.number() });

/** Contract Web3 network card; gas in gwei, blockTime in seconds. */
export const Web3Network = z.object({
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
  ...Provenance,
});
export type Web3Network = z.infer<typeof Web3Network>;
