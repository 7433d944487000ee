import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort } from "../../scripts/lib/dev-server.mjs";
import { eventually, sleep } from "../e2e/helpers/eventually";

/** Debian's Alertmanager binary (package prometheus-alertmanager), when installed. */
export const ALERTMANAGER_BIN = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].find(
  (p) => existsSync(p),
);

export type AlertmanagerPeer = {
  /** Its HTTP API, e.g. `http://127.0.0.1:9093`. */
  api: string;
  /** The last 20 kB of what it logged (debug level), to assert on its notify errors. */
  log: () => string;
  stop: () => Promise<void>;
};

/**
 * A real Alertmanager on a free loopback port with `config` (a file path), storing in `dir`,
 * clustering off; resolves once it answers `/-/ready`.
 */
export async function startAlertmanager(config: string, dir: string): Promise<AlertmanagerPeer> {
  if (!ALERTMANAGER_BIN) throw new Error("prometheus-alertmanager is not installed");
  const port = (await freePort()) as number;
  const api = `http://127.0.0.1:${port}`;
  const am = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${config}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=debug",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  am.stdout?.on("data", collect);
  am.stderr?.on("data", collect);
  const stop = async () => {
    if (am.exitCode !== null) return;
    const exited = new Promise((r) => am.once("exit", r));
    am.kill("SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    if (am.exitCode === null) am.kill("SIGKILL");
  };
  try {
    await eventually("Alertmanager to answer", async () =>
      (await fetch(`${api}/-/ready`).catch(() => undefined))?.ok ? true : undefined,
    );
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${log}`);
  }
  return { api, log: () => log, stop };
}
