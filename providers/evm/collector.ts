import { FetchRequest, JsonRpcProvider, Network, type FetchGetUrlFunc } from "ethers";
import type { ContractRead, EvmNetworkConfig, Web3Network } from "../../schema";
import { networkLogo } from "../../schema/chain-logos";
import { readContracts } from "./contracts";
import { UpstreamError, boundedFetch } from "../http";

/** Blocks averaged for block time and TPS: enough to smooth jitter, few enough to stay cheap. */
const WINDOW = 10;
const TIMEOUT_MS = 5_000;
const MAX_BYTES = 1024 * 1024;
const GWEI = 1e9;

type RpcBlock = { number: string; timestamp: string; transactions: unknown[] };
type FeeHistory = { baseFeePerGas: string[]; reward?: string[][] };

/** ethers' transport replaced by a bounded fetch: deadline, no redirects, capped body. */
const boundedGetUrl: FetchGetUrlFunc = async (req) => {
  const res = await boundedFetch(
    req.url,
    {
      method: req.method,
      headers: Object.fromEntries(req),
      body: req.body ? new Uint8Array(req.body) : undefined,
    },
    { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES },
  );
  return {
    statusCode: res.status,
    statusMessage: "",
    headers: Object.fromEntries(res.headers),
    body: res.body,
  };
};

/** A provider for one collection: static network (no detection timers), batched calls. */
export function evmProvider(rpcUrl: string, chainId: number): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  request.getUrlFunc = boundedGetUrl;
  request.timeout = TIMEOUT_MS;
  return new JsonRpcProvider(request, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 32,
  });
}

/** Asks the endpoint which chain it serves; used before a URL is saved. */
export async function readChainId(rpcUrl: string): Promise<number> {
  const provider = evmProvider(rpcUrl, 1);
  try {
    const hex: unknown = await provider.send("eth_chainId", []);
    if (typeof hex !== "string" || !/^0x[0-9a-f]+$/i.test(hex))
      throw new UpstreamError("eth_chainId answered a non-hex value");
    return Number.parseInt(hex, 16);
  } finally {
    provider.destroy();
  }
}

const toNumber = (hex: string) => Number.parseInt(hex, 16);
const gwei = (wei: number) => Math.round((wei / GWEI) * 100) / 100;

function gasTiers(history: FeeHistory | undefined, gasPrice: number) {
  const base = history?.baseFeePerGas.at(-1);
  const rewards = history?.reward ?? [];
  if (base === undefined || rewards.length === 0) {
    // Pre-1559 chains: only one price is known; say so by using it for every tier.
    return { slow: gwei(gasPrice), average: gwei(gasPrice), fast: gwei(gasPrice) };
  }
  const avgTip = (i: number) =>
    rewards.reduce((sum, r) => sum + toNumber(r[i] ?? "0x0"), 0) / rewards.length;
  const baseFee = toNumber(base);
  return {
    slow: gwei(baseFee + avgTip(0)),
    average: gwei(baseFee + avgTip(1)),
    fast: gwei(baseFee + avgTip(2)),
  };
}

/** Healthy while the head moves; the thresholds scale with the chain's own block time. */
function headStatus(headAgeSeconds: number, blockTime: number): Web3Network["status"] {
  const expected = Math.max(blockTime, 1);
  if (headAgeSeconds > Math.max(120, expected * 20)) return "critical";
  if (headAgeSeconds > Math.max(30, expected * 5)) return "warning";
  return "healthy";
}

/**
 * Reads head, recent blocks and fee history from one network and maps them to the dashboard's
 * card. `previous` gives the gas trend; a head that moved backwards (reorg) never yields negative
 * figures.
 */
export async function collectEvmNetwork(
  config: EvmNetworkConfig,
  previous: Web3Network | undefined,
  now: Date,
): Promise<Web3Network> {
  return (await collectEvmNetworkAndContracts(config, previous, now, [])).card;
}

/**
 * The network card, plus code size, balance and nonce of each watched address read at the same
 * head block in the same batched calls (see `readContracts`).
 */
export async function collectEvmNetworkAndContracts(
  config: EvmNetworkConfig,
  previous: Web3Network | undefined,
  now: Date,
  watched: readonly string[],
): Promise<{ card: Web3Network; contracts: ContractRead[] }> {
  const provider = evmProvider(config.rpcUrl, config.chainId);
  try {
    const head = toNumber(String(await provider.send("eth_blockNumber", [])));
    const span = Math.min(WINDOW, head);
    const numbers = Array.from({ length: span + 1 }, (_, i) => head - span + i);
    const [blocks, history, gasPriceHex, contracts] = await Promise.all([
      Promise.all(
        numbers.map(
          (n) =>
            provider.send("eth_getBlockByNumber", [
              `0x${n.toString(16)}`,
              false,
            ]) as Promise<RpcBlock | null>,
        ),
      ),
      (
        provider.send("eth_feeHistory", [
          `0x${Math.max(span, 1).toString(16)}`,
          "latest",
          [10, 50, 90],
        ]) as Promise<FeeHistory>
      ).catch(() => undefined),
      provider.send("eth_gasPrice", []) as Promise<string>,
      readContracts(provider, watched, head),
    ]);
    const present = blocks.filter((b): b is RpcBlock => b !== null);
    const first = present[0];
    const last = present.at(-1);
    if (!first || !last) throw new UpstreamError("the node returned no blocks");
    const elapsed = Math.max(0, toNumber(last.timestamp) - toNumber(first.timestamp));
    const intervals = Math.max(1, toNumber(last.number) - toNumber(first.number));
    const txs = present.slice(1).reduce((sum, b) => sum + b.transactions.length, 0);
    const blockTime = elapsed / intervals;
    const gasPrice = gasTiers(history, toNumber(gasPriceHex));
    const headAge = Math.max(0, now.getTime() / 1000 - toNumber(last.timestamp));
    const card: Web3Network = {
      id: config.id,
      name: config.name,
      logo: networkLogo(config.logo, config.chainId),
      chainId: config.chainId,
      status: headStatus(headAge, blockTime),
      blockNumber: toNumber(last.number),
      blockTime: Math.round(blockTime * 100) / 100,
      tps: elapsed > 0 ? Math.round((txs / elapsed) * 100) / 100 : 0,
      gasPrice,
      gasTrend: previous && gasPrice.average < previous.gasPrice.average ? "down" : "up",
      source: "web3",
      updatedAt: now.toISOString(),
    };
    return { card, contracts };
  } finally {
    provider.destroy();
  }
}
