import {
  ContractReadings,
  StoredNetwork,
  Web3Network,
  fail,
  ok,
  type AddContractBody,
  type ContractsResponse,
  type NetworkView,
  type Outcome,
  type Principal,
  type UpdateNetworkBody,
} from "../../schema";
import { loadIntervals } from "../collection/intervals";
import type { CollectionJob } from "../collection/runner";
import { collectNetworks } from "../collection/web3-job";
import { evaluateGasAlerts } from "../domain/gas-alerts";
import { ThresholdEpisodes } from "../domain/thresholds";
import {
  checksummed,
  contractViews,
  foldReadings,
  withContract,
  withoutContract,
} from "../domain/watched-contracts";
import { RecordStore } from "../store/records";
import type { Alerts } from "./alerts";
import type { IngestObserver } from "../domain/metrics";
import type { Host } from "./host";
import { SECRETS_KEY_MISSING } from "./webhooks";

/** A network as the API shows it: never its sealed RPC URL. */
const viewOf = ({ rpcUrlSealed: _sealed, ...view }: StoredNetwork): NetworkView => view;

/** What `addNetwork` takes: checked by the Worker (URL policy, eth_chainId). */
export type NewNetwork = Omit<NetworkView, "addedAt" | "addedBy" | "contracts"> &
  // `contracts` optional: a Worker from before watched contracts still calls this.
  Partial<Pick<NetworkView, "contracts">> & { rpcUrl: string };

/**
 * EVM networks: the watched chains (RPC URL sealed), their live cards, watched contracts with
 * their latest readings, gas-price alerts, and the collector job that reads them all.
 */
export class Web3 {
  readonly networks: RecordStore<typeof StoredNetwork>;
  readonly cards: RecordStore<typeof Web3Network>;
  /** Latest code size, balance and nonce of each network's watched contracts (id = network). */
  private readonly readings: RecordStore<typeof ContractReadings>;

  constructor(
    private readonly host: Host,
    private readonly deps: {
      alerts: Alerts;
      sourcesChanged: (now: Date) => void;
      /** Collect now (a network or watched address was added). */
      collectNow: (now: Date) => Promise<void>;
      /** Anomaly detection: sees each fresh reading as the series `web3.<id>.gas|block-time`. */
      observe?: IngestObserver;
    },
  ) {
    this.networks = new RecordStore(host.sql, "evm-network", StoredNetwork, (n) => n.addedAt);
    this.cards = new RecordStore(host.sql, "web3-network", Web3Network, (n) => n.id);
    this.readings = new RecordStore(host.sql, "contract-readings", ContractReadings, (r) => r.id);
  }

  configured(): boolean {
    return this.networks.list(1).length > 0;
  }

  listNetworks(): NetworkView[] {
    return this.networks.list().map(viewOf);
  }

  listCards(): Web3Network[] {
    return this.cards.list();
  }

  async add(actor: Principal, network: NewNetwork): Promise<Outcome<NetworkView>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    if (this.networks.get(network.id))
      return fail(409, "conflict", `A network with id '${network.id}' exists.`, {
        field: "json.id",
      });
    const { rpcUrl, ...fields } = network;
    const now = new Date();
    const stored: StoredNetwork = {
      ...fields,
      contracts: checksummed(fields.contracts ?? []),
      rpcUrlSealed: await box.seal(rpcUrl),
      addedAt: now.toISOString(),
      addedBy: actor.name,
    };
    this.networks.put(stored);
    this.host.audit.record(actor, "network.add", network.id, { after: viewOf(stored) }, now);
    this.deps.sourcesChanged(now);
    await this.deps.collectNow(now);
    return ok(viewOf(stored));
  }

  /**
   * Renames a network, sets its gas-price alert rule (judged at once) or replaces its watched
   * contracts; newly watched addresses are read by a collection started now.
   */
  async update(
    actor: Principal,
    id: string,
    body: UpdateNetworkBody,
  ): Promise<Outcome<NetworkView>> {
    const before = this.networks.get(id);
    if (!before) return fail(404, "not_found", `No network '${id}'.`, { field: "id" });
    const now = new Date();
    const keep = <T>(next: T | null | undefined, current: T | undefined) =>
      next === null ? undefined : (next ?? current);
    const after: StoredNetwork = {
      ...before,
      name: body.name ?? before.name,
      explorerUrl: keep(body.explorerUrl, before.explorerUrl),
      gasAlertGwei: keep(body.gasAlertGwei, before.gasAlertGwei),
      contracts: body.contracts ? checksummed(body.contracts) : before.contracts,
    };
    this.networks.put(after);
    const change = { before: viewOf(before), after: viewOf(after) };
    this.host.audit.record(actor, "network.update", id, change, now);
    this.judgeGas(now);
    const watched = new Set(before.contracts.map((c) => c.address));
    if (after.contracts.some((c) => !watched.has(c.address))) await this.deps.collectNow(now);
    return ok(viewOf(after));
  }

  remove(actor: Principal, id: string): Outcome<{ id: string }> {
    const before = this.networks.get(id);
    if (!before || !this.networks.delete(id))
      return fail(404, "not_found", `No network '${id}'.`, { field: "id" });
    const now = new Date();
    this.cards.delete(id);
    this.readings.delete(id);
    this.host.audit.record(actor, "network.remove", id, { before: viewOf(before) }, now);
    this.publishCards(now);
    this.deps.sourcesChanged(now);
    return ok({ id });
  }

  /** A network's watched contracts with their latest readings (View Contracts). */
  contracts(id: string): Outcome<ContractsResponse> {
    const network = this.networks.get(id);
    if (!network) return fail(404, "not_found", `No network '${id}'.`, { field: "id" });
    const contracts = contractViews(network.contracts, this.readings.get(id));
    return ok({ contracts, explorerUrl: network.explorerUrl });
  }

  /** Watches one more address on a network; the next collection (started now) reads it. */
  async addContract(
    actor: Principal,
    id: string,
    body: AddContractBody,
  ): Promise<Outcome<ContractsResponse>> {
    const changed = this.changeContracts(actor, id, "add", (c) => withContract(c, body));
    if (!changed.ok) return changed;
    await this.deps.collectNow(new Date());
    return this.contracts(id);
  }

  /** Stops watching one address on a network (its readings go with it). */
  removeContract(actor: Principal, id: string, address: string): Outcome<ContractsResponse> {
    const changed = this.changeContracts(actor, id, "remove", (c) => withoutContract(c, address));
    return changed.ok ? this.contracts(id) : changed;
  }

  /** The `collect:web3` job: every network's card and watched contracts in batched calls. */
  job(): CollectionJob {
    return {
      task: "collect:web3",
      source: "web3",
      intervalMs: loadIntervals(this.host.sql).web3 * 1000,
      collect: async (now) => {
        const box = await this.host.box();
        if (!box) throw new Error("SECRETS_KEY is not configured on the server");
        const previous = new Map(this.cards.list().map((n) => [n.id, n]));
        const networks = this.networks.list();
        const { cards, errors, contracts } = await collectNetworks(box, networks, previous, now);
        return () => {
          for (const card of cards) this.cards.put(card);
          this.deps.observe?.(freshReadings(cards, previous, now), "web3", now);
          // New readings alone also send the frame, so an open View Contracts dialog redraws.
          const readingsChanged = this.foldReadings(contracts, now);
          const changed =
            readingsChanged ||
            cards.some((c) => JSON.stringify(c) !== JSON.stringify(previous.get(c.id)));
          if (changed) this.publishCards(now);
          this.judgeGas(now);
          // Every network failed: the run fails, so the source goes stale and retries with backoff.
          if (errors.length === networks.length) throw new Error(errors.join("; "));
        };
      },
    };
  }

  /** Folded against the lists as they are now: a PATCH may have run during the RPC calls. */
  private foldReadings(
    reads: Awaited<ReturnType<typeof collectNetworks>>["contracts"],
    now: Date,
  ): boolean {
    let changed = false;
    for (const network of this.networks.list()) {
      const read = reads.get(network.id);
      if (!read) continue;
      const last = this.readings.get(network.id);
      const next = foldReadings(network.id, network.contracts, last, read, now);
      this.readings.put(next);
      changed ||= JSON.stringify(next) !== JSON.stringify(last);
    }
    return changed;
  }

  private changeContracts(
    actor: Principal,
    id: string,
    verb: "add" | "remove",
    next: (current: StoredNetwork["contracts"]) => Outcome<StoredNetwork["contracts"]>,
  ): Outcome<void> {
    const before = this.networks.get(id);
    if (!before) return fail(404, "not_found", `No network '${id}'.`, { field: "id" });
    const contracts = next(before.contracts);
    if (!contracts.ok) return contracts;
    this.networks.put({ ...before, contracts: contracts.value });
    const change = {
      before: { contracts: before.contracts },
      after: { contracts: contracts.value },
    };
    this.host.audit.record(actor, `network.contract.${verb}`, id, change, new Date());
    return ok(undefined);
  }

  private publishCards(now: Date): void {
    this.host.publish({ type: "web3-networks", payload: this.cards.list() }, now);
  }

  /** Judges every network's gas-price rule against its current card (shared alert lifecycle). */
  private judgeGas(now: Date): void {
    const episodes = new ThresholdEpisodes(this.host.sql);
    const cards = new Map(this.cards.list().map((c) => [c.id, c]));
    const evaluated = evaluateGasAlerts(this.networks.list(), cards, episodes.load(), now);
    if (evaluated.incoming.length === 0) return;
    const changes = this.deps.alerts.apply("threshold", evaluated.incoming, "web3", now);
    episodes.save(evaluated.episodes);
    this.deps.alerts.breached(changes, now);
  }
}

/** Gas price (average, gwei) and block time of each network read anew in this run. */
function freshReadings(cards: Web3Network[], previous: Map<string, Web3Network>, now: Date) {
  const at = now.getTime();
  return cards
    .filter((c) => !c.lastError && c.blockNumber !== previous.get(c.id)?.blockNumber)
    .flatMap((c) => [
      { metric: `web3.${c.id}.gas`, value: c.gasPrice.average, at },
      { metric: `web3.${c.id}.block-time`, value: c.blockTime, at },
    ]);
}
