// The host agent against the running app: this machine's real numbers reach the metric cards
// labelled with the host name, the README's commands run as written (the agent fetched from
// the deployment's /assets), the CPU card rises when the machine is loaded, and panels with no
// source still say so.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { statfs } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Metric, SourceStatus } from "../../schema";
import { diskPercent, hostId, parseMeminfo } from "../../scripts/lib/host-readings.mjs";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";

const baseUrl = inject("baseUrl");
const ROOT = path.resolve(import.meta.dirname, "../..");
const AGENT = path.join(ROOT, "scripts/host-agent.mjs");
const HOST = os.hostname();
const linux = process.platform === "linux";

let ws: E2eWorkspace;
const spinners: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  ws = await createWorkspace(baseUrl, inject("operatorToken"), "agent");
});
afterAll(() => {
  for (const child of spinners) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment without the OPSDECK_ settings of whoever runs the tests. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const own = Object.keys(process.env).filter((key) => key.startsWith("OPSDECK_"));
  return { ...process.env, ...Object.fromEntries(own.map((key) => [key, ""])), ...extra };
}

function run(command: string, args: string[], extra: Record<string, string>, cwd = ROOT) {
  return new Promise<{ code: number | null; out: string; stdout: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env: env(extra) });
    let out = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out, stdout }));
  });
}

/** One `--once` push of this machine to the test workspace, over a `window`-second reading. */
async function pushOnce(window = 1) {
  const result = await run(process.execPath, [AGENT, "--once", "--window", String(window)], {
    OPSDECK_URL: `${baseUrl}/w/${ws.id}`,
    OPSDECK_TOKEN: ws.operator,
  });
  expect(result.out).not.toContain(ws.operator);
  expect(result, result.out).toMatchObject({ code: 0 });
  return result.out;
}

async function cards(): Promise<{ metrics: Metric[]; sources: SourceStatus[] }> {
  const res = await fetch(`${baseUrl}/w/${ws.id}/api/metrics`, {
    headers: { Authorization: `Bearer ${ws.viewer}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { metrics: Metric[]; sources: SourceStatus[] };
}

const card = (metrics: Metric[], id: string) => {
  const found = metrics.find((m) => m.id === id);
  if (!found) throw new Error(`no card ${id} among ${metrics.map((m) => m.id).join(", ")}`);
  return found;
};
const value = (m: Metric) => (typeof m.value === "number" ? m.value : Number.NaN);

describe.skipIf(!linux)("the host agent against the running app", () => {
  const id = hostId(HOST);

  it("shows this machine's CPU, memory, disk and network, labelled with the host name", async () => {
    const printed = await pushOnce();
    expect(printed).toContain(`host-agent: pushed ${HOST}: CPU `);
    const { metrics, sources } = await cards();
    const mine = metrics.filter((m) => m.id.endsWith(`.host.${id}`));
    expect(mine.map((m) => m.id).sort()).toEqual(
      ["cpu", "disk", "memory", "network_in", "network_out"].map((k) => `${k}.host.${id}`),
    );
    for (const m of mine) {
      expect(m.source).toBe(HOST);
      expect(m.label).toContain(`(${HOST})`);
      expect(Date.now() - Date.parse(m.updatedAt ?? "")).toBeLessThan(60_000);
    }
    expect(card(mine, `cpu.host.${id}`)).toMatchObject({ label: `CPU (${HOST})`, unit: "%" });
    const cpu = value(card(mine, `cpu.host.${id}`));
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    // Memory and disk move slowly: the card agrees with what the OS says right now.
    const memInfo = parseMeminfo(readFileSync("/proc/meminfo", "utf8"));
    const memNow = memInfo
      ? (100 * (memInfo.totalBytes - memInfo.availableBytes)) / memInfo.totalBytes
      : Number.NaN;
    expect(Math.abs(value(card(mine, `memory.host.${id}`)) - memNow)).toBeLessThan(10);
    const diskNow = diskPercent(await statfs("/")) ?? Number.NaN;
    expect(Math.abs(value(card(mine, `disk.host.${id}`)) - diskNow)).toBeLessThan(1);
    for (const kind of ["network_in", "network_out"]) {
      const net = card(mine, `${kind}.host.${id}`);
      expect(net.unit).toBe("B/s");
      expect(Number.isInteger(value(net)) && value(net) >= 0).toBe(true);
    }
    // The agent is not a configured source: AWS, which could also feed this panel, still says so.
    expect(sources).toContainEqual(
      expect.objectContaining({ id: "aws", status: "not_configured" }),
    );
  });

  it("runs as the README says: a token minted, the agent fetched from the deployment", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    const mint = blocks.find((b) => b.includes("/api/tokens") && b.includes('"role":"operator"'));
    const agent = blocks.find((b) => b.includes("/assets/host-agent.mjs") && b.includes("--once"));
    if (!mint || !agent) throw new Error("README lacks the host agent's token or run commands");
    // Comments and the line that runs forever left out; pointed at this server and workspace.
    const local = (block: string) =>
      block
        .split("\n")
        .filter((line) => !line.startsWith("#"))
        .map((line) => line.replace(/\s+#.*$/, ""))
        .filter((line) => line.trim() && !/^node host-agent\.mjs\s*$/.test(line))
        .join("\n")
        .replaceAll("https://ops.example.com", baseUrl)
        .replaceAll("/w/acme", `/w/${ws.id}`)
        .replace(/odk\.acme\.…/, '"$E2E_AGENT_TOKEN"');
    const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-agent-"));
    dirs.push(dir);
    const bash = (script: string, extra: Record<string, string>) =>
      run("bash", ["-euo", "pipefail", "-c", script], extra, dir);

    const minted = await bash(local(mint), { ADMIN_TOKEN: ws.admin });
    expect(minted.code, minted.out).toBe(0);
    const issued = (JSON.parse(minted.stdout) as { token: { role: string; token: string } }).token;
    expect(issued.role).toBe("operator");

    const script = local(agent);
    expect(script).toMatch(
      /^curl -fsSLO .*\nexport OPSDECK_URL=.*\nexport OPSDECK_TOKEN=.*\nnode host-agent\.mjs --once$/,
    );
    const { code, out } = await bash(script, {
      E2E_AGENT_TOKEN: issued.token,
      OPSDECK_HOST_NAME: "readme-host",
    });
    expect(out).not.toContain(issued.token);
    expect(code, out).toBe(0);
    expect(out).toContain("host-agent: pushed readme-host: CPU ");
    const { metrics } = await cards();
    // A second host gets its own cards beside the first one's.
    expect(card(metrics, "cpu.host.readme-host")).toMatchObject({
      source: "readme-host",
      label: "CPU (readme-host)",
    });
    expect(card(metrics, `cpu.host.${id}`).source).toBe(HOST);
  });

  it("reads the CPU higher when every core is kept busy", async () => {
    await pushOnce(2);
    const idle = value(card((await cards()).metrics, `cpu.host.${id}`));
    // One spinner per core, at the lowest priority so others' work goes first: while they
    // spin, no core is ever idle, so the real reading must be near 100% however loaded the
    // machine already was.
    const cores = os.availableParallelism();
    const started = Array.from({ length: cores }, () => {
      const child = spawn(process.execPath, [
        "-e",
        "require('node:os').setPriority(19); require('node:fs').writeSync(1, 'spinning\\n'); for (;;);",
      ]);
      spinners.push(child);
      return new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    });
    await Promise.all(started);
    try {
      await pushOnce(2);
    } finally {
      for (const child of spinners.splice(0)) child.kill("SIGKILL");
    }
    const loaded = value(card((await cards()).metrics, `cpu.host.${id}`));
    const seen = `CPU ${idle}% before, ${loaded}% with ${cores} spinners`;
    expect(loaded, seen).toBeGreaterThanOrEqual(80);
    expect(loaded, seen).toBeGreaterThanOrEqual(idle - 5);
  });
});
