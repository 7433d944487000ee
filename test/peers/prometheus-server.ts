import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort } from "../../scripts/lib/dev-server.mjs";
import { eventually, sleep } from "../e2e/helpers/eventually";

/** Debian's Prometheus server (package prometheus; .ci/run installs it), when installed. */
export const PROMETHEUS_BIN = ["/usr/bin/prometheus"].find((p) => existsSync(p));

export type PrometheusPeer = {
  /** Its HTTP API base, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** The last 20 kB of what it logged. */
  log: () => string;
  /** Stops it and removes its data directory; safe to call twice. */
  stop: () => Promise<void>;
};

/** An extra scrape target: a URL (path included) and the bearer token it wants. */
export type ScrapeTarget = { job: string; url: string; bearer?: string };

/** prometheus.yml as JSON (YAML is a superset of JSON): itself, plus the given targets. */
function config(port: number, targets: ScrapeTarget[]): string {
  const self = {
    job_name: "prometheus",
    static_configs: [{ targets: [`127.0.0.1:${port}`] }],
  };
  const extra = targets.map((t) => {
    const u = new URL(t.url);
    return {
      job_name: t.job,
      scheme: u.protocol.replace(":", ""),
      metrics_path: u.pathname,
      ...(t.bearer ? { authorization: { type: "Bearer", credentials: t.bearer } } : {}),
      static_configs: [{ targets: [u.host] }],
    };
  });
  return JSON.stringify({
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    scrape_configs: [self, ...extra],
  });
}

/**
 * A real Prometheus on a free loopback port, scraping itself (and `targets`) every second,
 * storing in a temporary directory; resolves once it answers `/-/ready`.
 */
export async function startPrometheus(targets: ScrapeTarget[] = []): Promise<PrometheusPeer> {
  if (!PROMETHEUS_BIN) throw new Error("prometheus is not installed");
  const port = (await freePort()) as number;
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-prometheus-"));
  const file = path.join(dir, "prometheus.yml");
  writeFileSync(file, config(port, targets));
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually("Prometheus to be ready", async () =>
      (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined,
    );
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${log}`);
  }
  return { url, log: () => log, stop };
}
