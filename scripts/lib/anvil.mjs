// A real local EVM node (Foundry's anvil, shipped in an npm package) for `npm start` and the
// tests. With `traffic`, it also sends a few real transfers between anvil's funded dev accounts
// every couple of seconds, so block time, TPS and gas tiers on the dashboard move for real.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT, freePort } from "./dev-server.mjs";

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * @param {{ port?: number, blockTime?: number, chainId?: number, traffic?: boolean }} options
 *   `blockTime` in seconds (default 1); 0 mines only when a transaction arrives.
 * @returns {Promise<{ url: string, chainId: number, stop: () => Promise<void> }>}
 */
export async function startAnvil(options = {}) {
  const port = options.port ?? (await freePort());
  const chainId = options.chainId ?? 31337;
  const bin = path.join(ROOT, "node_modules", ".bin", "anvil");
  const args = ["--host", "127.0.0.1", "--port", String(port)];
  // blockTime 0: automine, a block per transaction only, so the base fee holds between them.
  if (options.blockTime !== 0) args.push("--block-time", String(options.blockTime ?? 1));
  args.push("--chain-id", String(chainId), "--silent");
  const child = spawn(bin, args, { stdio: "ignore", detached: true });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`anvil did not start on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let timer;
  if (options.traffic) {
    const accounts = await rpc(url, "eth_accounts");
    timer = setInterval(() => {
      const count = 1 + Math.floor(Math.random() * 4);
      for (let i = 0; i < count; i++) {
        const from = accounts[Math.floor(Math.random() * accounts.length)];
        const to = accounts[Math.floor(Math.random() * accounts.length)];
        rpc(url, "eth_sendTransaction", [{ from, to, value: "0x2386f26fc10000" }]).catch(() => {});
      }
    }, 2000);
    timer.unref();
  }
  return {
    url,
    chainId,
    stop: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(-child.pid, "SIGTERM");
      }),
  };
}
