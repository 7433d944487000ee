import type { StoredNetwork, Web3Network } from "../../schema";
import type { IncomingAlert } from "./alert-ingest";
import { breachAlert } from "./breach-alert";

/**
 * Gas-price alert rules of watched networks, as normalised alerts for the shared lifecycle: the
 * average tier at or above a network's `gasAlertGwei` opens a breach (one firing alert, its start
 * time part of its identity); dropping below, or removing the rule, resolves it. Readings that
 * change no breach produce nothing, so repeated collections add no noise.
 */
export function evaluateGasAlerts(
  networks: StoredNetwork[],
  cards: ReadonlyMap<string, Web3Network>,
  episodes: Record<string, string>,
  now: Date,
): { incoming: IncomingAlert[]; episodes: Record<string, string> } {
  const next = { ...episodes };
  const incoming: IncomingAlert[] = [];
  for (const network of networks) {
    const key = `gas:${network.id}`;
    const card = cards.get(network.id);
    const limit = network.gasAlertGwei;
    const open = next[key];
    const over = limit !== undefined && card !== undefined && card.gasPrice.average >= limit;
    if (over === (open !== undefined)) continue;
    const startsAt = open ?? now.toISOString();
    const average = card?.gasPrice.average ?? 0;
    const title = `Gas price on ${network.name} at or above ${limit ?? "its limit"} gwei`;
    const message = over
      ? `Average gas price on ${network.name} is ${average} gwei, at or above the alert of ${limit} gwei.`
      : `Average gas price on ${network.name} is back to ${average} gwei.`;
    incoming.push(
      breachAlert({
        fingerprint: key,
        startsAt,
        over,
        now,
        title,
        message,
        severity: "warning",
        labels: {
          alertname: "GasPriceHigh",
          network: network.id,
          chainId: String(network.chainId),
        },
        group: "threshold:gas",
      }),
    );
    if (over) next[key] = startsAt;
    else delete next[key];
  }
  return { incoming, episodes: next };
}
