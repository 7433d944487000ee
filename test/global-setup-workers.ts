import type { TestProject } from "vitest/node";
import { startAnvil } from "./peers/anvil";
import { startFlakyProxy } from "./peers/flaky-proxy";

declare module "vitest" {
  export interface ProvidedContext {
    anvilUrl: string;
    anvilChainId: number;
    /** anvil behind a proxy whose behaviour tests switch (see test/peers/flaky-proxy.ts). */
    flakyRpcUrl: string;
  }
}

/** Real peers the in-workerd tests reach over loopback: a local EVM node. */
export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTime: 1 });
  project.provide("anvilUrl", anvil.url);
  project.provide("anvilChainId", anvil.chainId);
  const proxy = await startFlakyProxy(anvil.url);
  project.provide("flakyRpcUrl", proxy.url);
  return async () => {
    await proxy.stop();
    await anvil.stop();
  };
}
