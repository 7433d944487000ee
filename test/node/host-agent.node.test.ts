import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricSamplesBody } from "../../schema";
import { AgentError, pushSamples } from "../../scripts/lib/host-push.mjs";
import {
  cpuPercent,
  diskPercent,
  hostId,
  netRates,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  readCounters,
  samplesBetween,
  type Counters,
} from "../../scripts/lib/host-readings.mjs";

/**
 * The host agent's readings, checked against this machine's own /proc and against independent
 * tools (`df`, the `os` module), and its push against a local server: retries, refusals, the
 * CLI's exit codes, and that the token never reaches its output.
 */
const AGENT = path.resolve(import.meta.dirname, "../../scripts/host-agent.mjs");
const linux = process.platform === "linux";

/** /proc/net/dev exactly as Linux prints it (two header lines, right-aligned names). */
const NET_DEV = (eth0Rx: number, eth0Tx: number, loBytes: number) =>
  `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: ${loBytes}  471401    0    0    0     0          0         0 ${loBytes}  471401    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: ${eth0Rx}   81226    0    0    0     0          0         0  ${eth0Tx}   51009    0    0    0     0       0          0
`;

describe.skipIf(!linux)("readings from this machine's /proc", () => {
  it("parses /proc/stat twice into a CPU share between 0 and 100", async () => {
    const first = parseProcStat(readFileSync("/proc/stat", "utf8"));
    const until = Date.now() + 300;
    while (Date.now() < until); // some work, so the jiffies move
    await new Promise((r) => setTimeout(r, 200));
    const second = parseProcStat(readFileSync("/proc/stat", "utf8"));
    expect(second.total).toBeGreaterThan(first.total);
    expect(second.idle).toBeGreaterThanOrEqual(first.idle);
    const busy = cpuPercent(first, second);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(100);
  });

  it("reads total memory as the os module does, and available memory below it", () => {
    const memory = parseMeminfo(readFileSync("/proc/meminfo", "utf8"));
    expect(memory?.totalBytes).toBe(os.totalmem());
    expect(memory?.availableBytes).toBeGreaterThan(0);
    expect(memory?.availableBytes).toBeLessThanOrEqual(os.totalmem());
  });

  it("reads disk use of / as df does (df rounds up to a whole percent)", async () => {
    const used = diskPercent(await statfs("/"));
    const df = execFileSync("df", ["-P", "/"], { encoding: "utf8" });
    const dfPercent = Number(/(\d+)%/.exec(df.split("\n")[1] ?? "")?.[1]);
    expect(used).toBeDefined();
    expect(Math.abs((used ?? 0) - dfPercent)).toBeLessThanOrEqual(1);
  });

  it("reads every interface of /proc/net/dev, loopback included", () => {
    const interfaces = parseNetDev(readFileSync("/proc/net/dev", "utf8"));
    expect(Object.keys(interfaces)).toContain("lo");
    for (const counters of Object.values(interfaces)) {
      expect(counters.rxBytes).toBeGreaterThanOrEqual(0);
      expect(counters.txBytes).toBeGreaterThanOrEqual(0);
    }
  });

  it("misses nothing on Linux and turns two readings into five samples", async () => {
    const prev = await readCounters();
    await new Promise((r) => setTimeout(r, 300));
    const next = await readCounters();
    expect(prev.missing).toEqual({});
    const samples = samplesBetween(prev, next, { host: "vm" });
    expect(samples.map((s) => s.metric)).toEqual([
      "cpu.host.vm",
      "memory.host.vm",
      "disk.host.vm",
      "network_in.host.vm",
      "network_out.host.vm",
    ]);
    for (const s of samples) {
      expect(s.value).toBeGreaterThanOrEqual(0);
      if (s.unit === "%") expect(s.value).toBeLessThanOrEqual(100);
      expect(s.timestamp).toBe(new Date(next.at).toISOString());
    }
    // Every sample is one the API accepts, under the schema it validates with.
    expect(MetricSamplesBody.safeParse({ source: "vm", samples }).success).toBe(true);
  });
});

describe("parsing fixed text", () => {
  it("counts iowait as idle and leaves guest time out of the total", () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const a = parseProcStat("cpu  100 0 50 800 50 0 0 0 40 0\ncpu0 100 0 50 800 50 0 0 0 40 0\n");
    const b = parseProcStat("cpu  160 0 70 900 70 0 0 0 90 0\ncpu0 160 0 70 900 70 0 0 0 90 0\n");
    expect(a).toEqual({ idle: 850, total: 1000 });
    expect(cpuPercent(a, b)).toBe(40); // 80 busy of 200
    expect(cpuPercent(a, a)).toBeUndefined();
    expect(() => parseProcStat("intr 1 2 3\n")).toThrow(/no aggregate cpu line/);
  });

  it("reads MemTotal and MemAvailable, and nothing from a kernel without MemAvailable", () => {
    const text =
      "MemTotal:       24683772 kB\nMemFree:        14125004 kB\nMemAvailable:   23761136 kB\n";
    expect(parseMeminfo(text)).toEqual({
      totalBytes: 24683772 * 1024,
      availableBytes: 23761136 * 1024,
    });
    expect(parseMeminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n")).toBeUndefined();
  });

  it("turns /proc/net/dev counters into bytes per second without lo, skipping resets", () => {
    const prev = parseNetDev(NET_DEV(3255967979, 5310788, 2437656795));
    expect(prev).toEqual({
      lo: { rxBytes: 2437656795, txBytes: 2437656795 },
      ifb0: { rxBytes: 0, txBytes: 0 },
      eth0: { rxBytes: 3255967979, txBytes: 5310788 },
    });
    const next = parseNetDev(NET_DEV(3255967979 + 30_000, 5310788 + 1500, 2437656795 + 9e9));
    expect(netRates(prev, next, 15)).toEqual({ rxPerSecond: 2000, txPerSecond: 100 });
    expect(netRates(prev, next, 15, ["lo"])).toEqual({ rxPerSecond: 6e8, txPerSecond: 6e8 });
    // eth0 was reset (its counters went back): skipped, not a huge negative or positive spike.
    const reset = parseNetDev(NET_DEV(10, 10, 2437656795));
    expect(netRates(prev, reset, 15)).toEqual({ rxPerSecond: 0, txPerSecond: 0 }); // ifb0 only
    expect(netRates(prev, reset, 15, ["eth0"])).toBeUndefined();
    // The older format without a space after the colon.
    expect(parseNetDev(`h1\nh2\n  eth1:12 1 0 0 0 0 0 0 34 1 0 0 0 0 0 0\n`)).toEqual({
      eth1: { rxBytes: 12, txBytes: 34 },
    });
  });

  it("names metrics by host, with ids the API accepts", () => {
    expect(hostId("Web 1.Example.COM")).toBe("web-1.example.com");
    expect(hostId("--")).toBe("host");
    const at = Date.parse("2026-01-01T00:00:15Z");
    const prev: Counters = {
      at: at - 15_000,
      cpu: { idle: 850, total: 1000 },
      net: { eth0: { rxBytes: 0, txBytes: 0 } },
      missing: {},
    };
    const next: Counters = {
      at,
      cpu: { idle: 900, total: 1200 },
      memory: { totalBytes: 4000, availableBytes: 1000 },
      disk: 61.5,
      net: { eth0: { rxBytes: 15_000, txBytes: 1_500 } },
      missing: {},
    };
    expect(samplesBetween(prev, next, { host: "Web 1", diskPath: "/data" })).toEqual([
      {
        metric: "cpu.host.web-1",
        label: "CPU (Web 1)",
        unit: "%",
        value: 75,
        timestamp: "2026-01-01T00:00:15.000Z",
      },
      {
        metric: "memory.host.web-1",
        label: "Memory used (Web 1)",
        unit: "%",
        value: 75,
        timestamp: "2026-01-01T00:00:15.000Z",
      },
      {
        metric: "disk.host.web-1",
        label: "Disk used /data (Web 1)",
        unit: "%",
        value: 61.5,
        timestamp: "2026-01-01T00:00:15.000Z",
      },
      {
        metric: "network_in.host.web-1",
        label: "Network in (Web 1)",
        unit: "B/s",
        value: 1000,
        timestamp: "2026-01-01T00:00:15.000Z",
      },
      {
        metric: "network_out.host.web-1",
        label: "Network out (Web 1)",
        unit: "B/s",
        value: 100,
        timestamp: "2026-01-01T00:00:15.000Z",
      },
    ]);
    // A reading the OS did not give is left out, never filled in.
    const bare = samplesBetween({ at: 0, missing: {} }, { at: 1000, disk: 10, missing: {} }, {});
    expect(bare.map((s) => s.metric.split(".")[0])).toEqual(["disk"]);
  });
});

// ── Pushing, against a local server ───────────────────────────────────────────────────────

type Seen = { headers: IncomingHttpHeaders; url: string; body: string };
type Answer = { status: number; headers?: Record<string, string>; body?: string };
const TOKEN = "odk.acme.s3cr3t-token-value";
let server: Server;
let base = "";
let seen: Seen[] = [];
let answers: Answer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        headers: req.headers,
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString(),
      });
      const answer = answers.shift() ?? { status: 202, body: '{"accepted":1}' };
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const problem = (status: number, code: string, detail: string) => ({
  status,
  headers: { "Content-Type": "application/problem+json" },
  body: JSON.stringify({ type: `urn:opsdeck:problem:${code}`, status, code, detail }),
});
const body = { source: "vm", samples: [{ metric: "cpu.host.vm", value: 1 }] };

describe("pushing samples", () => {
  it("retries a 503 after its Retry-After and a 429, then succeeds", async () => {
    seen = [];
    answers = [
      { ...problem(503, "overloaded", "busy"), headers: { "Retry-After": "0" } },
      { status: 429 },
    ];
    const config = { url: `${base}/w/acme`, token: TOKEN };
    await expect(pushSamples(config, body, { backoffMs: 1 })).resolves.toBe(202);
    expect(seen).toHaveLength(3);
    expect(seen[2]?.url).toBe("/w/acme/api/metrics/samples");
    expect(seen[2]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(seen[2]?.body ?? "")).toEqual(body);
  });

  it("gives up after its retries with a transient error naming the last answer", async () => {
    answers = [problem(502, "upstream", "down"), problem(502, "upstream", "still down")];
    const error = await pushSamples({ url: `${base}/w/acme`, token: TOKEN }, body, {
      retries: 1,
      backoffMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ transient: true, fatal: false });
    expect(String(error)).toContain("502 upstream: still down (gave up after 2 attempts)");
  });

  it("stops at once on a 401 with the server's detail and never the token", async () => {
    seen = [];
    answers = [problem(401, "unauthenticated", `token ${TOKEN} is revoked`)];
    const error = await pushSamples({ url: `${base}/w/acme`, token: TOKEN }, body).catch(
      (e: unknown) => e,
    );
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ fatal: true });
    expect(String(error)).toContain("401 unauthenticated: token [token] is revoked");
    expect(String(error)).not.toContain("s3cr3t");
  });

  it("does not retry a 400 and keeps it apart from transient failures", async () => {
    seen = [];
    answers = [problem(400, "validation_failed", "json.samples.0.value: expected number")];
    const error = await pushSamples({ url: `${base}/w/acme`, token: TOKEN }, body).catch(
      (e: unknown) => e,
    );
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ fatal: false, transient: false });
    expect(String(error)).toContain("400 validation_failed: json.samples.0.value");
  });
});

/** This process's environment without any OPSDECK_ setting of the person running the tests. */
function agentEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((key) => key.startsWith("OPSDECK_"))
      .map((key) => [key, ""]),
  );
  return { ...process.env, ...clean, ...env };
}

/** Runs the CLI to its end; the token only ever in its environment. */
function runAgent(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [AGENT, ...args], {
      env: agentEnv(env),
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("the command line", () => {
  it("pushes one reading with --once, labelled with the host name, and exits 0", async () => {
    seen = [];
    const env = { OPSDECK_URL: `${base}/w/acme`, OPSDECK_TOKEN: TOKEN, OPSDECK_HOST_NAME: "Web 1" };
    const { code, out } = await runAgent(["--once", "--window", "0.2"], env);
    expect(code).toBe(0);
    expect(out).toMatch(/^host-agent: pushed Web 1: CPU [\d.]+%, memory [\d.]+%, disk [\d.]+%/);
    expect(out).not.toContain("s3cr3t");
    const sent = MetricSamplesBody.parse(JSON.parse(seen[0]?.body ?? ""));
    expect(sent.source).toBe("Web 1");
    expect(sent.samples.map((s) => s.metric)).toContain("cpu.host.web-1");
  });

  it("exits 2 with what to fix on a wrong token, and never prints the token", async () => {
    answers = [problem(401, "unauthenticated", "unknown token")];
    const env = { OPSDECK_URL: `${base}/w/acme`, OPSDECK_TOKEN: TOKEN };
    const { code, out } = await runAgent(["--once", "--window", "0.1"], env);
    expect(code).toBe(2);
    expect(out).toContain(
      "401 unauthenticated: unknown token (is OPSDECK_TOKEN right and not revoked?)",
    );
    expect(out).not.toContain("s3cr3t");
  });

  const url = "https://ops.example.com/w/acme";
  it.each([
    ["no URL", [], {}, "OPSDECK_URL is not set"],
    ["a token flag", ["--token", TOKEN], { OPSDECK_URL: url }, "not as a flag"],
    [
      "plain http to a remote host",
      [],
      { OPSDECK_URL: "http://ops.example.com/w/acme", OPSDECK_TOKEN: TOKEN },
      "must use https",
    ],
    [
      "a URL without /w/<workspace>",
      [],
      { OPSDECK_URL: "https://ops.example.com/acme", OPSDECK_TOKEN: TOKEN },
      "workspace address",
    ],
    [
      "another workspace's token",
      [],
      { OPSDECK_URL: "https://ops.example.com/w/prod", OPSDECK_TOKEN: TOKEN },
      'belongs to workspace "acme"',
    ],
    ["no token", [], { OPSDECK_URL: url }, "OPSDECK_TOKEN (or OPSDECK_TOKEN_FILE) is not set"],
    [
      "an unreadable token file",
      [],
      { OPSDECK_URL: url, OPSDECK_TOKEN_FILE: "/nonexistent/token" },
      "cannot read OPSDECK_TOKEN_FILE",
    ],
    [
      "a zero interval",
      ["--interval", "0"],
      { OPSDECK_URL: url, OPSDECK_TOKEN: TOKEN },
      "from 1 to 3600",
    ],
    [
      "an unknown flag",
      ["--fast"],
      { OPSDECK_URL: url, OPSDECK_TOKEN: TOKEN },
      'unknown argument "--fast"',
    ],
  ])("refuses %s with exit 2 and what to fix", async (_name, args, env, message) => {
    const { code, out } = await runAgent(args, env);
    expect(code).toBe(2);
    expect(out).toContain(message);
    expect(out).not.toContain("s3cr3t");
  });

  it("keeps pushing on its interval and stops cleanly on SIGTERM", async () => {
    seen = [];
    const child = spawn(process.execPath, [AGENT, "--interval", "1", "--window", "0.1"], {
      env: agentEnv({ OPSDECK_URL: `${base}/w/acme`, OPSDECK_TOKEN: TOKEN }),
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";

describe.skipIf(!existsSync(SYSTEMD_ANALYZE) || !existsSync("/usr/bin/node"))(
  "the README's systemd unit",
  () => {
    it("passes systemd-analyze verify", () => {
      const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
      const unit = /```ini\n(# \/etc\/systemd\/system\/opsdeck-agent\.service\n[\s\S]*?)```/.exec(
        readme,
      )?.[1];
      expect(unit).toBeDefined();
      const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-unit-"));
      try {
        const file = path.join(dir, "opsdeck-agent.service");
        writeFileSync(file, unit ?? "");
        const verify = spawnSync(SYSTEMD_ANALYZE, ["verify", "--man=no", file], {
          encoding: "utf8",
        });
        // A value systemd cannot parse is only a warning (exit 0) that names the file and line.
        expect(verify.stderr).not.toContain("opsdeck-agent.service");
        expect(verify.status, verify.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
