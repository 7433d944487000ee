// Starts the Worker in the local runtime (`wrangler dev`) and waits until /health answers.
// Shared by `npm start`, the end-to-end tests and the benchmarks, so all three run the app the
// same way. Every process it starts is stopped by the returned `stop()`.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A free loopback port, found by letting the kernel pick one. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/health within ${timeoutMs} ms`);
}

/**
 * @param {{ port?: number, persistTo?: string, vars?: Record<string,string>, quiet?: boolean, timeoutMs?: number }} options
 * @returns {Promise<{ url: string, port: number, child: import("node:child_process").ChildProcess, stop: () => Promise<void>, output: () => string }>}
 */
export async function startDevServer(options = {}) {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    "--log-level",
    options.quiet === false ? "info" : "warn",
  ];
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [key, value] of Object.entries(options.vars ?? {}))
    args.push("--var", `${key}:${value}`);
  const bin = path.join(ROOT, "node_modules", ".bin", "wrangler");
  const child = spawn(bin, args.slice(1), {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const collect = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
    if (options.quiet === false) process.stdout.write(chunk);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000).unref();
    });
  try {
    await waitForHealth(url, child, options.timeoutMs ?? 90_000);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n--- wrangler output ---\n${log}`);
  }
  return { url, port, child, stop, output: () => log };
}
