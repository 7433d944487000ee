import { isAddress } from "ethers";
import { z } from "zod";
import { RecordId, Text, Timestamp } from "./common";

/** At most this many watched contracts per network: each costs three reads per collection. */
export const MAX_WATCHED_CONTRACTS = 25;

/**
 * An EVM address as people paste it: 0x and 40 hex digits; mixed case must carry a valid
 * EIP-55 checksum (ethers `isAddress`), since a wrong checksum usually means a typo.
 */
export const EvmAddress = z
  .string()
  .max(42)
  .refine(
    (s) => /^0x[0-9a-fA-F]{40}$/.test(s) && isAddress(s),
    "not an EVM address: 0x and 40 hex digits (mixed case must have a valid EIP-55 checksum)",
  );

/** A contract (or any account) watched on a network; stored with a checksummed address. */
export const WatchedContract = z
  .object({ address: EvmAddress, label: Text(80).min(1).optional() })
  .strict();
export type WatchedContract = z.infer<typeof WatchedContract>;

/** A whole watched list: bounded, one entry per address (compared case-insensitively). */
export const WatchedContracts = z
  .array(WatchedContract)
  .max(MAX_WATCHED_CONTRACTS, `at most ${MAX_WATCHED_CONTRACTS} contracts per network`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      const key = c.address.toLowerCase();
      if (seen.has(key))
        ctx.addIssue({ code: "custom", path: [i, "address"], message: "listed twice" });
      seen.add(key);
    });
  });

/**
 * What the last collection read for one watched address. `readAt` is when the numbers were
 * read; `error`/`failedAt` say that a later read failed, so the numbers are stale.
 */
export const ContractReading = z.object({
  address: z.string(),
  codeSize: z.number().int().nonnegative().optional(),
  balanceWei: z.string().regex(/^\d+$/).optional(),
  nonce: z.number().int().nonnegative().optional(),
  blockNumber: z.number().int().nonnegative().optional(),
  readAt: Timestamp.optional(),
  error: z.string().max(2000).optional(),
  failedAt: Timestamp.optional(),
});
export type ContractReading = z.infer<typeof ContractReading>;

/** Stored per network (records kind `contract-readings`, id = network id). */
export const ContractReadings = z.object({
  id: RecordId,
  readings: z.array(ContractReading).max(MAX_WATCHED_CONTRACTS),
});
export type ContractReadings = z.infer<typeof ContractReadings>;

/**
 * One watched contract with its latest reading, as `GET …/networks/:id/contracts` returns it.
 * The reading fields are absent until the first collection after the contract was added.
 */
export const ContractView = z.object({
  address: z.string(),
  label: z.string().optional(),
  codeSize: z.number().int().nonnegative().optional(),
  /** False when no code is deployed at the address (an EOA, or a wrong address). */
  isContract: z.boolean().optional(),
  balanceWei: z.string().optional(),
  /** The balance in ether, exact (decimal string). */
  balance: z.string().optional(),
  nonce: z.number().int().nonnegative().optional(),
  blockNumber: z.number().int().nonnegative().optional(),
  readAt: Timestamp.optional(),
  /** The last read failed: the figures above are from `readAt`, not from now. */
  stale: z.boolean(),
  error: z.string().optional(),
});
export type ContractView = z.infer<typeof ContractView>;

export const ContractsResponse = z.object({
  contracts: z.array(ContractView),
  explorerUrl: z.string().optional(),
});
export type ContractsResponse = z.infer<typeof ContractsResponse>;

/** `POST …/networks/:id/contracts`: watch one more address. */
export const AddContractBody = WatchedContract;
export type AddContractBody = z.infer<typeof AddContractBody>;

/** Path of `DELETE …/networks/:id/contracts/:address`. */
export const ContractParams = z.object({
  workspace: z.string(),
  id: RecordId,
  address: EvmAddress,
});

/** One address as a collection read it: the figures, or why they could not be read. */
export const ContractRead = ContractReading.pick({
  address: true,
  codeSize: true,
  balanceWei: true,
  nonce: true,
  blockNumber: true,
  error: true,
});
export type ContractRead = z.infer<typeof ContractRead>;
