// The app under measurement, started the way a bench asks: `wrangler dev` (the brief's local
// runtime) or workerd directly through Miniflare (bench/lib/workerd-server.mjs), without the
// dev proxy that relays every request and socket frame through Node.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevServer } from "../../scripts/lib/dev-server.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `wrangler dev` (the brief's local runtime) or workerd directly; `{ url, stop }` either way. */
export async function startRuntime(runtime, vars, persistTo) {
  if (runtime === "wrangler") return startDevServer({ persistTo, vars });
  const child = fork(path.join(HERE, "workerd-server.mjs"), [], {
    env: { ...process.env, ...vars },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("workerd not ready in 180 s")), 180_000);
    child.once("exit", (code) => reject(new Error(`workerd-server exited with ${code}`)));
    child.on("message", (msg) => {
      if (!msg?.ready) return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
  return {
    url: ready.url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ cmd: "stop" });
      await Promise.race([exited, sleep(8000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
