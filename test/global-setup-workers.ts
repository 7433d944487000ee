import type { TestProject } from "vitest/node";
import { startAnvil } from "./peers/anvil";

declare module "vitest" {
  export interface ProvidedContext {
    anvilUrl: string;
    anvilChainId: number;
  }
}

/** Real peers the in-workerd tests reach over loopback: a local EVM node. */
export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTime: 1 });
  project.provide("anvilUrl", anvil.url);
  project.provide("anvilChainId", anvil.chainId);
  return () => anvil.stop();
}
