import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { ROOT, freePort } from "../../scripts/lib/dev-server.mjs";

export type Anvil = { url: string; chainId: number; stop: () => Promise<void> };

/** Starts a real local EVM node (Foundry's anvil, from npm) mining a block every `blockTime` s. */
export async function startAnvil(
  options: { blockTime?: number; chainId?: number } = {},
): Promise<Anvil> {
  const port: number = await freePort();
  const chainId = options.chainId ?? 31337;
  const bin = path.join(ROOT as string, "node_modules", ".bin", "anvil");
  const child: ChildProcess = spawn(
    bin,
    [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--block-time",
      String(options.blockTime ?? 1),
      "--chain-id",
      String(chainId),
      "--silent",
    ],
    { stdio: "ignore", detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("anvil did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    chainId,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(-child.pid!, "SIGTERM");
      }),
  };
}
