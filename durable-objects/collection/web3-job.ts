import type { ContractRead, StoredNetwork, Web3Network } from "../../schema";
import { collectEvmNetworkAndContracts } from "../../providers/evm/collector";
import type { SecretBox } from "../store/secret-box";

/** Networks read at once: bounded so one run stays within the outbound-connection limit. */
const CONCURRENCY = 3;

/**
 * Collects every watched network. A network that fails keeps its last card with the reason;
 * `errors` lists them, and the caller fails the run (the source goes stale) when every network
 * failed. `contracts` holds each network's watched-address reads; when the network failed, each
 * address carries that network's reason.
 */
export async function collectNetworks(
  box: SecretBox,
  networks: StoredNetwork[],
  previous: ReadonlyMap<string, Web3Network>,
  now: Date,
): Promise<{ cards: Web3Network[]; errors: string[]; contracts: Map<string, ContractRead[]> }> {
  const results: Web3Network[] = [];
  const errors: string[] = [];
  const contracts = new Map<string, ContractRead[]>();
  for (let i = 0; i < networks.length; i += CONCURRENCY) {
    const batch = await Promise.all(
      networks
        .slice(i, i + CONCURRENCY)
        .map(async (n) => ({ network: n, rpcUrl: await box.open(n.rpcUrlSealed) })),
    );
    const settled = await Promise.allSettled(
      batch.map(({ network: n, rpcUrl }) =>
        collectEvmNetworkAndContracts(
          { id: n.id, name: n.name, chainId: n.chainId, rpcUrl, logo: "" },
          previous.get(n.id),
          now,
          n.contracts.map((c) => c.address),
        ),
      ),
    );
    settled.forEach((outcome, j) => {
      const { network, rpcUrl } = batch[j]!;
      // Provider errors may quote the URL, and RPC URLs often embed an API key.
      const redact = (text: string) => text.replaceAll(rpcUrl, network.rpcHost);
      if (outcome.status === "fulfilled") {
        contracts.set(
          network.id,
          outcome.value.contracts.map((r) => (r.error ? { ...r, error: redact(r.error) } : r)),
        );
        return results.push(outcome.value.card);
      }
      const raw = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      const reason = redact(raw);
      contracts.set(
        network.id,
        network.contracts.map((c) => ({ address: c.address, error: reason.slice(0, 2000) })),
      );
      errors.push(`${network.name}: ${reason}`);
      const last = previous.get(network.id);
      if (last) results.push({ ...last, lastError: reason.slice(0, 2000) });
    });
  }
  return { cards: results, errors, contracts };
}
