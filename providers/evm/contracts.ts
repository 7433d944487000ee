import type { JsonRpcProvider } from "ethers";
import type { ContractRead } from "../../schema";
import { UpstreamError } from "../http";

const HEX = /^0x[0-9a-fA-F]*$/;

function hexString(value: unknown, what: string): string {
  if (typeof value !== "string" || !HEX.test(value))
    throw new UpstreamError(`${what} answered a non-hex value`);
  return value;
}

/** Bytes of deployed code from `eth_getCode`'s hex (`0x` alone: no code at the address). */
function codeBytes(hex: string): number {
  return Math.floor((hex.length - 2) / 2);
}

async function readOne(
  reads: [Promise<unknown>, Promise<unknown>, Promise<unknown>],
  address: string,
  blockNumber: number,
): Promise<ContractRead> {
  try {
    const [code, balance, nonce] = await Promise.all(reads);
    const balanceHex = hexString(balance, "eth_getBalance");
    return {
      address,
      codeSize: codeBytes(hexString(code, "eth_getCode")),
      balanceWei: BigInt(balanceHex === "0x" ? "0x0" : balanceHex).toString(),
      nonce: Number.parseInt(hexString(nonce, "eth_getTransactionCount"), 16) || 0,
      blockNumber,
    };
  } catch (error) {
    return {
      address,
      error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    };
  }
}

/**
 * Reads code size, balance and nonce of each address at one block through the collection's own
 * provider (bounded fetch, no redirects). Every call is issued in the same tick, so ethers packs
 * them into the JSON-RPC batches already carrying the block reads: 25 contracts add at most a
 * few subrequests. A failed read fails only its own address.
 * @example await readContracts(provider, ["0x5FbD…"], 42) // [{ address, codeSize: 10, … }]
 */
export function readContracts(
  provider: JsonRpcProvider,
  addresses: readonly string[],
  blockNumber: number,
): Promise<ContractRead[]> {
  const tag = `0x${blockNumber.toString(16)}`;
  return Promise.all(
    addresses.map((address) =>
      readOne(
        [
          provider.send("eth_getCode", [address, tag]),
          provider.send("eth_getBalance", [address, tag]),
          provider.send("eth_getTransactionCount", [address, tag]),
        ],
        address,
        blockNumber,
      ),
    ),
  );
}
