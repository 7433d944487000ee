/**
 * Real transactions on a local anvil through plain JSON-RPC (fetch only, so the same helper runs
 * inside workerd and in Node): deploy a tiny contract, send ether. anvil signs for its funded,
 * unlocked dev accounts, so no keys are involved.
 */

/**
 * Runtime code, 10 bytes: every call returns the word 1 and accepts ether (no CALLVALUE check).
 *   60 01  PUSH1 1      value
 *   60 00  PUSH1 0      memory offset
 *   52     MSTORE       mem[0..32] = 1
 *   60 20  PUSH1 32     length
 *   60 00  PUSH1 0      offset
 *   f3     RETURN
 */
export const RUNTIME_CODE = "600160005260206000f3";
export const RUNTIME_SIZE = RUNTIME_CODE.length / 2;

/**
 * Init code, 12 bytes, followed by the runtime: copies the 10 runtime bytes that start at byte
 * 12 of the transaction's code into memory and returns them, which makes them the deployed code.
 *   60 0a  PUSH1 10     length
 *   60 0c  PUSH1 12     code offset (the end of this init code)
 *   60 00  PUSH1 0      memory offset
 *   39     CODECOPY
 *   60 0a  PUSH1 10     length
 *   60 00  PUSH1 0      memory offset
 *   f3     RETURN
 */
export const DEPLOY_CODE = `0x600a600c600039600a6000f3${RUNTIME_CODE}`;

export const ONE_ETHER = 10n ** 18n;

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error || body.result === undefined)
    throw new Error(`${method}: ${body.error?.message ?? "no result"}`);
  return body.result;
}

type Receipt = { status: string; contractAddress: string | null };

/** Waits for the transaction to be mined (anvil mines on its block time or at once). */
async function receipt(url: string, hash: string): Promise<Receipt> {
  for (let i = 0; i < 100; i++) {
    const found = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_getTransactionReceipt",
        params: [hash],
      }),
    }).then((r) => r.json() as Promise<{ result: Receipt | null }>);
    if (found.result) {
      if (found.result.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return found.result;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`transaction ${hash} was not mined within 10 s`);
}

async function devAccount(url: string): Promise<string> {
  const [account] = await rpc<string[]>(url, "eth_accounts");
  if (!account) throw new Error("anvil has no unlocked account");
  return account;
}

/** Deploys the 10-byte contract above; resolves to its address once mined. */
export async function deployTinyContract(url: string): Promise<string> {
  const from = await devAccount(url);
  const hash = await rpc<string>(url, "eth_sendTransaction", [{ from, data: DEPLOY_CODE }]);
  const mined = await receipt(url, hash);
  if (!mined.contractAddress) throw new Error("deployment receipt without a contract address");
  return mined.contractAddress;
}

/** Sends `wei` from a funded dev account to `to`; resolves once mined. */
export async function sendEther(url: string, to: string, wei: bigint): Promise<void> {
  const from = await devAccount(url);
  const hash = await rpc<string>(url, "eth_sendTransaction", [
    { from, to, value: `0x${wei.toString(16)}` },
  ]);
  await receipt(url, hash);
}

/** A fresh address nobody holds a key for: an EOA-shaped account with no code. */
export function randomAddress(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
