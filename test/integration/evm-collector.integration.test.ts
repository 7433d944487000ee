import { describe, expect, inject, it } from "vitest";
import type { EvmNetworkConfig } from "../../schema";
import { collectEvmNetwork, readChainId } from "../../providers/evm/collector";

const config = (): EvmNetworkConfig => ({
  id: "local",
  name: "Local anvil",
  chainId: inject("anvilChainId"),
  rpcUrl: inject("anvilUrl"),
  logo: "",
});

describe("EVM collector against a real local node (anvil)", () => {
  it("reads the chain id", async () => {
    expect(await readChainId(inject("anvilUrl"))).toBe(inject("anvilChainId"));
  });

  it("maps head, block time, TPS and gas tiers to a network card, and sees the head advance", async () => {
    const first = await collectEvmNetwork(config(), undefined, new Date());
    expect(first).toMatchObject({
      id: "local",
      source: "web3",
      status: "healthy",
      chainId: inject("anvilChainId"),
    });
    expect(first.blockNumber).toBeGreaterThan(0);
    expect(first.blockTime).toBeGreaterThan(0.5);
    expect(first.blockTime).toBeLessThan(2.5);
    expect(first.gasPrice.fast).toBeGreaterThanOrEqual(first.gasPrice.slow);
    await new Promise((r) => setTimeout(r, 2200));
    const second = await collectEvmNetwork(config(), first, new Date());
    expect(second.blockNumber).toBeGreaterThan(first.blockNumber);
  });

  it("marks a chain whose head stopped moving as critical", async () => {
    const later = new Date(Date.now() + 10 * 60_000);
    const card = await collectEvmNetwork(config(), undefined, later);
    expect(card.status).toBe("critical");
  });

  it("isolates an endpoint that is down or answers garbage", async () => {
    await expect(
      collectEvmNetwork({ ...config(), rpcUrl: "http://127.0.0.1:9" }, undefined, new Date()),
    ).rejects.toThrow();
  });
});
