import { z } from "zod";
import { RecordId, Text, Timestamp } from "./common";
import { WatchedContract, WatchedContracts } from "./contracts";

/** Seconds between collection runs, per kind; the original product's defaults. */
export const CollectionIntervals = z
  .object({
    metrics: z.number().int().min(5).max(3600).default(30),
    deployments: z.number().int().min(5).max(3600).default(60),
    web3: z.number().int().min(5).max(3600).default(15),
    security: z.number().int().min(30).max(86_400).default(300),
  })
  .strict();
export type CollectionIntervals = z.infer<typeof CollectionIntervals>;

export const DEFAULT_INTERVALS: CollectionIntervals = {
  metrics: 30,
  deployments: 60,
  web3: 15,
  security: 300,
};

/** `POST api/integrations/networks`: a preset fills name and chain id; the RPC URL is the user's. */
export const AddNetworkBody = z
  .object({
    id: RecordId,
    preset: z.enum(["ethereum", "polygon"]).optional(),
    name: Text(100).min(1).optional(),
    chainId: z.number().int().positive().optional(),
    rpcUrl: Text(2000).min(1),
    explorerUrl: z
      .url({ protocol: /^https$/ })
      .max(2000)
      .optional(),
    gasAlertGwei: z.number().positive().max(1_000_000).optional(),
    contracts: WatchedContracts.optional(),
  })
  .strict()
  .refine((b) => b.preset !== undefined || (b.name !== undefined && b.chainId !== undefined), {
    message: "give a preset, or both name and chainId",
    path: ["chainId"],
  });
export type AddNetworkBody = z.infer<typeof AddNetworkBody>;

/** A watched network as read back: the RPC URL (which often embeds an API key) only by host. */
export const NetworkView = z.object({
  id: RecordId,
  name: z.string(),
  chainId: z.number().int(),
  rpcHost: z.string(),
  explorerUrl: z.string().optional(),
  gasAlertGwei: z.number().optional(),
  /** Addresses whose code size, balance and nonce each collection reads (checksummed). */
  contracts: z.array(WatchedContract).default([]),
  addedAt: Timestamp,
  addedBy: z.string(),
});
export type NetworkView = z.infer<typeof NetworkView>;

/** Stored form: the RPC URL sealed like every other secret. */
export const StoredNetwork = NetworkView.extend({ rpcUrlSealed: z.string() });
export type StoredNetwork = z.infer<typeof StoredNetwork>;

/**
 * `PATCH api/integrations/networks/:id`: the gas-price alert rule (null removes it), labels,
 * and the watched contracts (the list given replaces the stored one).
 */
export const UpdateNetworkBody = z
  .object({
    name: Text(100).min(1).optional(),
    explorerUrl: z
      .url({ protocol: /^https$/ })
      .max(2000)
      .nullable()
      .optional(),
    gasAlertGwei: z.number().positive().max(1_000_000).nullable().optional(),
    contracts: WatchedContracts.optional(),
  })
  .strict();
export type UpdateNetworkBody = z.infer<typeof UpdateNetworkBody>;
