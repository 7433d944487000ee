// What the host agent reads from the operating system, and the metric samples it makes of it.
// Linux: /proc/stat, /proc/meminfo, /proc/net/dev and statfs. Elsewhere: the `os` module for
// CPU and memory, statfs for disk, and no network. Nothing is estimated: a reading the OS does
// not give is left out, with the reason. Dependency-free (the agent must run on any host).
import { readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import os from "node:os";

/**
 * The aggregate `cpu` line of /proc/stat as idle and total jiffies. Idle counts iowait; the
 * total is user…steal (guest time is already inside user and nice, so it is not added again).
 * @example parseProcStat("cpu  10 0 5 80 5 0 0 0 0 0\n") // { idle: 85, total: 100 }
 */
export function parseProcStat(text) {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  const fields = (line ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n)))
    throw new Error("/proc/stat has no aggregate cpu line");
  const [, , , idle = 0, iowait = 0] = fields;
  return { idle: idle + iowait, total: fields.reduce((a, b) => a + b, 0) };
}

/** The same from `os.cpus()` (where /proc is absent: macOS, BSD, Windows); undefined if empty. */
export function cpuTimesFromOs(cpus) {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return total > 0 ? { idle, total } : undefined;
}

/** Busy share of CPU time between two readings, in percent; undefined if no time passed. */
export function cpuPercent(prev, next) {
  const total = next.total - prev.total;
  const idle = next.idle - prev.idle;
  if (!(total > 0) || idle < 0) return undefined;
  return percent(total - idle, total);
}

/** MemTotal and MemAvailable from /proc/meminfo in bytes; undefined if either is missing. */
export function parseMeminfo(text) {
  const kib = (key) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const totalBytes = kib("MemTotal");
  const availableBytes = kib("MemAvailable");
  if (!totalBytes || availableBytes === undefined) return undefined;
  return { totalBytes, availableBytes };
}

/** Receive and transmit byte counters per interface, from /proc/net/dev. */
export function parseNetDev(text) {
  /** @type {Record<string, { rxBytes: number, txBytes: number }>} */
  const interfaces = {};
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    const [rxBytes, , , , , , , , txBytes] = fields;
    if (fields.length < 16 || !Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    interfaces[line.slice(0, colon).trim()] = { rxBytes, txBytes };
  }
  return interfaces;
}

/**
 * Bytes per second received and sent between two readings, summed over the counted
 * interfaces (`include`, or every one but `lo`). An interface that appeared or whose counters
 * went back (reset, wrapped) is skipped for that interval rather than counted as a spike.
 */
export function netRates(prev, next, seconds, include) {
  let rx = 0;
  let tx = 0;
  let counted = 0;
  for (const [name, now] of Object.entries(next)) {
    if (include ? !include.includes(name) : name === "lo") continue;
    const before = prev[name];
    if (!before || now.rxBytes < before.rxBytes || now.txBytes < before.txBytes) continue;
    rx += now.rxBytes - before.rxBytes;
    tx += now.txBytes - before.txBytes;
    counted += 1;
  }
  if (counted === 0 || !(seconds > 0)) return undefined;
  return { rxPerSecond: rx / seconds, txPerSecond: tx / seconds };
}

/** Used share of a file system as `df` computes it: used / (used + available to users). */
export function diskPercent(stats) {
  const used = stats.blocks - stats.bfree;
  return used + stats.bavail > 0 ? percent(used, used + stats.bavail) : undefined;
}

function percent(part, whole) {
  return Math.min(100, Math.max(0, Math.round((part / whole) * 10_000) / 100));
}

function readText(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * One reading of the raw counters. On Linux everything comes from /proc and statfs; elsewhere
 * CPU and memory come from the `os` module (memory then counts file cache as used) and the
 * network is absent. Whatever cannot be read is absent, with the reason in `missing`.
 * `at` is when the counters that make rates (CPU, network) were read.
 */
export async function readCounters(options = {}) {
  const { diskPath = "/", netInterfaces } = options;
  /** @type {Record<string, string>} */
  const missing = {};
  const stat = readText("/proc/stat");
  const netdev = readText("/proc/net/dev");
  const at = Date.now();
  let cpu;
  try {
    cpu = stat ? parseProcStat(stat) : cpuTimesFromOs(os.cpus());
  } catch (error) {
    missing.cpu = error instanceof Error ? error.message : String(error);
  }
  if (!cpu) missing.cpu ??= "the OS gives no CPU times";
  const net = netdev ? parseNetDev(netdev) : undefined;
  const counted = Object.keys(net ?? {}).filter((name) =>
    netInterfaces ? netInterfaces.includes(name) : name !== "lo",
  );
  if (!net) missing.network = `no /proc/net/dev on ${os.platform()}`;
  else if (counted.length === 0)
    missing.network = netInterfaces
      ? `none of ${netInterfaces.join(", ")} is in /proc/net/dev`
      : "no interface besides lo";
  const meminfo = readText("/proc/meminfo");
  const memory = meminfo
    ? parseMeminfo(meminfo)
    : { totalBytes: os.totalmem(), availableBytes: os.freemem() };
  if (!memory) missing.memory = "/proc/meminfo has no MemTotal or MemAvailable";
  let disk;
  try {
    disk = diskPercent(await statfs(diskPath));
  } catch (error) {
    missing.disk = `statfs ${diskPath}: ${error instanceof Error ? error.message : error}`;
  }
  return { at, cpu, memory, disk, net, missing };
}

// ── Samples ───────────────────────────────────────────────────────────────────────────────

/** A host name as a metric id segment (letters, digits, `.`, `_`, `-`), lowercased. */
export function hostId(name) {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "")
    .slice(0, 100);
  return id || "host";
}

/**
 * The samples for the interval between two readings. Ids are `<kind>.host.<host id>`: `cpu.`,
 * `memory.` and `disk.` ids are judged against the workspace thresholds, and the host id keeps
 * two machines apart. CPU and network are averages over the interval; memory and disk are the
 * newer reading.
 */
export function samplesBetween(prev, next, { host, diskPath = "/", netInterfaces } = {}) {
  const name = String(host ?? os.hostname()).slice(0, 100);
  const id = hostId(name);
  const timestamp = new Date(next.at).toISOString();
  const samples = [];
  const add = (kind, label, unit, value) => {
    if (value === undefined) return;
    samples.push({
      metric: `${kind}.host.${id}`,
      label: `${label} (${name})`,
      unit,
      value,
      timestamp,
    });
  };
  add("cpu", "CPU", "%", prev.cpu && next.cpu ? cpuPercent(prev.cpu, next.cpu) : undefined);
  const mem = next.memory;
  add(
    "memory",
    "Memory used",
    "%",
    mem ? percent(mem.totalBytes - mem.availableBytes, mem.totalBytes) : undefined,
  );
  add("disk", diskPath === "/" ? "Disk used" : `Disk used ${diskPath}`, "%", next.disk);
  const rates =
    prev.net && next.net
      ? netRates(prev.net, next.net, (next.at - prev.at) / 1000, netInterfaces)
      : undefined;
  add("network_in", "Network in", "B/s", rates && Math.round(rates.rxPerSecond));
  add("network_out", "Network out", "B/s", rates && Math.round(rates.txPerSecond));
  return samples;
}
