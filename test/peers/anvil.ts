// @ts-expect-error -- plain ESM helper shared with npm start; typed below.
import { startAnvil as start } from "../../scripts/lib/anvil.mjs";

export type Anvil = { url: string; chainId: number; stop: () => Promise<void> };

/**
 * Starts a real local EVM node (Foundry's anvil, from npm) mining a block every `blockTime` s;
 * 0 mines one block per transaction.
 */
export const startAnvil: (options?: {
  blockTime?: number;
  chainId?: number;
  traffic?: boolean;
}) => Promise<Anvil> = start;
