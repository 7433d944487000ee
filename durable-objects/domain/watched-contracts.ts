import { formatEther, getAddress } from "ethers";
import {
  MAX_WATCHED_CONTRACTS,
  fail,
  ok,
  type ContractRead,
  type ContractReading,
  type ContractReadings,
  type ContractView,
  type Outcome,
  type WatchedContract,
} from "../../schema";

/** Addresses are kept in EIP-55 form, so lists compare and display the same everywhere. */
export function checksummed(list: readonly WatchedContract[]): WatchedContract[] {
  return list.map((c) => ({ ...c, address: getAddress(c.address) }));
}

/**
 * The list with one more address; a second entry for the same address or one past the limit is
 * refused (the list schema checks both for whole-list PATCHes; this is the one-at-a-time add).
 */
export function withContract(
  list: readonly WatchedContract[],
  added: WatchedContract,
): Outcome<WatchedContract[]> {
  const [contract] = checksummed([added]);
  if (list.some((c) => c.address === contract!.address))
    return fail(409, "conflict", `${contract!.address} is already watched.`, {
      field: "json.address",
    });
  if (list.length >= MAX_WATCHED_CONTRACTS)
    return fail(
      422,
      "limit_reached",
      `A network watches at most ${MAX_WATCHED_CONTRACTS} contracts; remove one first.`,
      { field: "json.address" },
    );
  return ok([...list, contract!]);
}

export function withoutContract(
  list: readonly WatchedContract[],
  address: string,
): Outcome<WatchedContract[]> {
  const target = getAddress(address);
  if (!list.some((c) => c.address === target))
    return fail(404, "not_found", `${target} is not watched on this network.`, {
      field: "address",
    });
  return ok(list.filter((c) => c.address !== target));
}

/**
 * Folds one collection's reads into the stored readings of the addresses watched now (the list
 * may have changed while the RPC calls ran). A failed read keeps the last figures and their
 * `readAt`, and says why and since when.
 */
export function foldReadings(
  networkId: string,
  watched: readonly WatchedContract[],
  previous: ContractReadings | undefined,
  reads: readonly ContractRead[],
  now: Date,
): ContractReadings {
  const last = new Map(previous?.readings.map((r) => [r.address, r]));
  const fresh = new Map(reads.map((r) => [r.address, r]));
  const readings = watched.map(({ address }): ContractReading => {
    const read = fresh.get(address);
    const before = last.get(address);
    if (!read) return before ?? { address };
    if (read.error === undefined) return { ...read, readAt: now.toISOString() };
    const { error: _old, failedAt: _at, ...figures } = before ?? { address };
    return { ...figures, address, error: read.error, failedAt: now.toISOString() };
  });
  return { id: networkId, readings };
}

/** The API and page view: each watched address with its latest reading, balance in ether. */
export function contractViews(
  watched: readonly WatchedContract[],
  stored: ContractReadings | undefined,
): ContractView[] {
  const byAddress = new Map(stored?.readings.map((r) => [r.address, r]));
  return watched.map((c) => {
    const r = byAddress.get(c.address);
    return {
      address: c.address,
      label: c.label,
      codeSize: r?.codeSize,
      isContract: r?.codeSize === undefined ? undefined : r.codeSize > 0,
      balanceWei: r?.balanceWei,
      balance: r?.balanceWei === undefined ? undefined : formatEther(BigInt(r.balanceWei)),
      nonce: r?.nonce,
      blockNumber: r?.blockNumber,
      readAt: r?.readAt,
      stale: r?.error !== undefined,
      error: r?.error,
    };
  });
}
