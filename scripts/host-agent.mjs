#!/usr/bin/env node
// Opsdeck host agent: reads this machine's CPU, memory, disk and network counters from the
// operating system and pushes them to a workspace (`POST api/metrics/samples`) every 15 s,
// with the host name as their source. Dependency-free, so it runs anywhere with Node 18.15+:
// from a checkout (`npx opsdeck-agent`, `node scripts/host-agent.mjs`), or as the single file
// a deployed Opsdeck serves at /assets/host-agent.mjs (bundled by scripts/build-client.mjs).
// README.md, "Host agent", has the commands. `npm start` runs it against the demo workspace.
import { readFileSync, realpathSync } from "node:fs";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { AgentError, pushSamples, sleep } from "./lib/host-push.mjs";
import { readCounters, samplesBetween } from "./lib/host-readings.mjs";

const USAGE = `Usage: OPSDECK_URL=https://ops.example.com/w/<workspace> OPSDECK_TOKEN=<operator token> \\
  node host-agent.mjs [--once] [--interval 15] [--window 1] [--disk-path /] [--host-name NAME]
                      [--net-interfaces eth0,wlan0] [--verbose]

  OPSDECK_URL             the workspace address (https; http only for localhost)  or --url
  OPSDECK_TOKEN           an operator token of that workspace (never as a flag)
  OPSDECK_TOKEN_FILE      or a file that holds the token                          or --token-file
  OPSDECK_INTERVAL        seconds between pushes (default 15)                     or --interval
  OPSDECK_WINDOW          seconds the first reading spans (default 1)             or --window
  OPSDECK_DISK_PATH       the mount whose use is reported (default /)             or --disk-path
  OPSDECK_HOST_NAME       the name shown as source (default: the host name)       or --host-name
  OPSDECK_NET_INTERFACES  interfaces to count, comma-separated (default: all but lo)
                                                                          or --net-interfaces
  --once     push one reading (over the window) and exit: 0 pushed, 1 failed, 2 misconfigured
  --verbose  print every push, not only the first one and failures`;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const FLAGS = {
  "--url": "OPSDECK_URL",
  "--token-file": "OPSDECK_TOKEN_FILE",
  "--interval": "OPSDECK_INTERVAL",
  "--window": "OPSDECK_WINDOW",
  "--disk-path": "OPSDECK_DISK_PATH",
  "--host-name": "OPSDECK_HOST_NAME",
  "--net-interfaces": "OPSDECK_NET_INTERFACES",
};
const SWITCHES = ["--once", "--verbose", "--exit-with-parent", "--help"];

function seconds(value, name, min, max) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new AgentError(
      `${name} must be a number of seconds from ${min} to ${max}, not "${value}"`,
      { fatal: true },
    );
  return n * 1000;
}

/**
 * The agent's settings from flags and environment (flags win). Throws a fatal AgentError that
 * says what to fix. The token comes only from the environment or a file, never from a flag,
 * which every user of the machine could read in `ps`.
 * @example parseConfig(["--once"], { OPSDECK_URL: "https://ops.example.com/w/acme", OPSDECK_TOKEN: "odk.acme.x" })
 */
function parseConfig(argv, env) {
  // An empty variable counts as unset, as in a systemd EnvironmentFile with a blank line.
  const values = Object.fromEntries(Object.entries(env).filter(([, v]) => v));
  const switches = new Set();
  for (let i = 0; i < argv.length; i += 1) {
    const [flag = "", inline] = argv[i].split(/=(.*)/s);
    if (SWITCHES.includes(flag)) {
      switches.add(flag);
    } else if (flag in FLAGS) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new AgentError(`${flag} needs a value`, { fatal: true });
      values[FLAGS[flag]] = value;
    } else if (flag === "--token") {
      throw new AgentError(
        "pass the token in OPSDECK_TOKEN or a file (--token-file), not as a flag: flags show in ps",
        { fatal: true },
      );
    } else {
      throw new AgentError(`unknown argument "${argv[i]}"\n${USAGE}`, { fatal: true });
    }
  }
  if (switches.has("--help")) return { help: true };
  const raw = values.OPSDECK_URL;
  if (!raw) throw new AgentError(`OPSDECK_URL is not set\n${USAGE}`, { fatal: true });
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentError(
      "OPSDECK_URL is not a URL: expected one like https://ops.example.com/w/acme",
      {
        fatal: true,
      },
    );
  }
  const ws = /^\/w\/([a-z0-9][a-z0-9-]{1,62})\/?$/.exec(url.pathname)?.[1];
  if (!ws || url.search || url.hash || url.username || url.password)
    throw new AgentError(
      `OPSDECK_URL must be a workspace address like https://ops.example.com/w/acme, not "${url.origin}${url.pathname}"`,
      { fatal: true },
    );
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    throw new AgentError(
      "OPSDECK_URL must use https (plain http only for localhost): the token travels with every push",
      { fatal: true },
    );
  let token = values.OPSDECK_TOKEN?.trim();
  if (!token && values.OPSDECK_TOKEN_FILE) {
    try {
      token = readFileSync(values.OPSDECK_TOKEN_FILE, "utf8").trim();
    } catch (error) {
      throw new AgentError(
        `cannot read OPSDECK_TOKEN_FILE: ${error instanceof Error ? error.message : error}`,
        { fatal: true },
      );
    }
  }
  if (!token)
    throw new AgentError(
      "OPSDECK_TOKEN (or OPSDECK_TOKEN_FILE) is not set: create an operator token (README, Host agent)",
      { fatal: true },
    );
  const tokenWs = /^odk\.([a-z0-9-]+)\./.exec(token)?.[1];
  if (tokenWs && tokenWs !== ws)
    throw new AgentError(
      `the token belongs to workspace "${tokenWs}", but OPSDECK_URL names "${ws}"`,
      { fatal: true },
    );
  const intervalMs = seconds(values.OPSDECK_INTERVAL ?? 15, "the interval", 1, 3600);
  const windowMs = seconds(values.OPSDECK_WINDOW ?? 1, "the window", 0.1, 60);
  return {
    help: false,
    url: `${url.origin}/w/${ws}`,
    token,
    intervalMs,
    windowMs: Math.min(windowMs, intervalMs),
    diskPath: values.OPSDECK_DISK_PATH || "/",
    host: (values.OPSDECK_HOST_NAME || os.hostname()).slice(0, 100),
    netInterfaces: values.OPSDECK_NET_INTERFACES?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    once: switches.has("--once"),
    verbose: switches.has("--verbose"),
    exitWithParent: switches.has("--exit-with-parent"),
  };
}

const NAMES = {
  cpu: "CPU",
  memory: "memory",
  disk: "disk",
  network_in: "network in",
  network_out: "network out",
};

/** "CPU 12.5%, memory 41.2%, disk 63%, network in 1,204 B/s, network out 310 B/s" */
function summary(samples) {
  return samples
    .map(
      (s) =>
        `${NAMES[s.metric.split(".")[0]] ?? s.metric} ${s.value.toLocaleString("en")}${s.unit === "%" ? "%" : ` ${s.unit}`}`,
    )
    .join(", ");
}

/** At most one request's worth is kept while the server is unreachable; the oldest go first. */
const MAX_PENDING = 1000;

/**
 * Reads, pushes, sleeps, until `signal` aborts (or after one push with `once`). The first push
 * goes out after `windowMs`, so a new dashboard fills within seconds; each later reading covers
 * the whole interval since the one before. Readings the server could not take for a transient
 * reason (unreachable, 429, 5xx) go again with the next ones: they carry their own timestamps.
 * Resolves to the exit code: 0, 1 when a `once` push failed, 2 when the configuration is wrong.
 */
async function run(config, { signal, log = console.log, warn = console.error } = {}) {
  let prev = await readCounters(config);
  const missing = Object.entries(prev.missing);
  if (missing.length > 0) {
    const list = missing.map(([what, why]) => `${what} (${why})`).join(", ");
    warn(`host-agent: not reported on this host: ${list}`);
  }
  await sleep(config.windowMs, signal);
  let nextAt = Date.now();
  let pending = [];
  let pushed = 0;
  let failing = "";
  while (!signal?.aborted) {
    const next = await readCounters(config);
    const latest = samplesBetween(prev, next, config);
    prev = next;
    pending = [...pending, ...latest].slice(-MAX_PENDING);
    try {
      await pushSamples(config, { source: config.host, samples: pending }, { signal });
      pending = [];
      pushed += 1;
      if (failing) log(`host-agent: pushing again after: ${failing}`);
      failing = "";
      if (pushed === 1 || config.verbose || config.once) {
        const every = config.once ? "" : ` (every ${config.intervalMs / 1000} s)`;
        log(`host-agent: pushed ${config.host}: ${summary(latest)} to ${config.url}${every}`);
      }
    } catch (error) {
      if (signal?.aborted) break;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof AgentError && error.fatal) {
        warn(`host-agent: ${message}`);
        return 2;
      }
      // A refused batch (400, 413, 422) would be refused again: only transient failures keep it.
      if (!(error instanceof AgentError && error.transient)) pending = [];
      if (message !== failing) warn(`host-agent: push failed: ${message}`);
      failing = message;
      if (config.once) return 1;
    }
    if (config.once) return 0;
    // On a fixed grid from the first push; a push that overran skips the ticks it missed.
    nextAt += Math.max(1, Math.ceil((Date.now() - nextAt) / config.intervalMs)) * config.intervalMs;
    await sleep(nextAt - Date.now(), signal);
  }
  return 0;
}

async function main() {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`host-agent: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
  if (config.help) {
    console.log(USAGE);
    return;
  }
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => stop.abort());
  if (config.exitWithParent) {
    // Started by `npm start`: stop with it, even if it was killed without passing a signal on.
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && stop.abort(), 1000).unref();
  }
  const code = await run(config, { signal: stop.signal });
  process.exit(code);
}

const invoked = process.argv[1] && realpathSync(process.argv[1]);
if (invoked && import.meta.url === pathToFileURL(invoked).href) await main();
