import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm run nab` on any NAB-layout directory: it detects with no labels anywhere near the data
 * (so it cannot have read them), writes result files in NAB's shape with the input's
 * timestamps untouched, and a thresholds.json shaped like NAB's published one.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const NAB = path.resolve(ROOT, "../shared/data/nab");
const FILES = ["realAdExchange/exchange-2_cpc_results.csv", "realTraffic/speed_7578.csv"];
const tmp = mkdtempSync(path.join(os.tmpdir(), "opsdeck-nab-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts/nab/nab.mjs"), ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe.skipIf(!existsSync(NAB))("npm run nab", () => {
  const data = path.join(tmp, "corpus", "data");
  const out = path.join(tmp, "out");
  for (const rel of FILES) cpSync(path.join(NAB, "data", rel), path.join(data, rel));

  it("detects with no labels present and writes NAB-shaped results", () => {
    const { code, out: text } = run("--data", data, "--out", out);
    expect(code, text).toBe(0);
    expect(text).toMatch(/no labels at .*: detection only/);
    for (const rel of FILES) {
      const [category = "", file = ""] = rel.split("/");
      const input = readFileSync(path.join(data, rel), "utf8").trim().split("\n");
      const result = readFileSync(path.join(out, category, `opsdeck_${file}`), "utf8")
        .trim()
        .split("\n");
      expect(result[0]).toBe("timestamp,anomaly_score");
      expect(result.length).toBe(input.length);
      for (let i = 1; i < input.length; i++) {
        const [stamp, s] = (result[i] ?? "").split(",");
        expect(stamp).toBe(input[i]?.split(",")[0]);
        expect(Number(s) >= 0 && Number(s) <= 1).toBe(true);
      }
    }
    const thresholds = JSON.parse(readFileSync(path.join(out, "thresholds.json"), "utf8")) as {
      opsdeck: Record<string, { threshold: number; score: number }>;
    };
    expect(Object.keys(thresholds.opsdeck).sort()).toEqual([
      "reward_low_FN_rate",
      "reward_low_FP_rate",
      "standard",
    ]);
    for (const p of Object.values(thresholds.opsdeck)) expect(typeof p.threshold).toBe("number");
  });

  it("scores afterwards when labels sit next to the data, printing every profile", () => {
    const all = JSON.parse(
      readFileSync(path.join(NAB, "labels/combined_windows.json"), "utf8"),
    ) as Record<string, unknown>;
    const labels = path.join(tmp, "labels.json");
    writeFileSync(labels, JSON.stringify(Object.fromEntries(FILES.map((f) => [f, all[f]]))));
    const { code, out: text } = run("--data", data, "--out", out, "--labels", labels);
    expect(code, text).toBe(0);
    for (const p of ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]) {
      expect(text).toMatch(new RegExp(`^${p} +0\\.\\d{4} +-?\\d+\\.\\d\\d`, "m"));
    }
  });

  it("refuses unknown options with the usage", () => {
    const { code, out: text } = run("--dta", data);
    expect(code).toBe(2);
    expect(text).toMatch(/unknown option --dta.*usage: npm run nab/);
  });

  it("refuses a runtime it cannot run", () => {
    const { code, out: text } = run("--data", data, "--out", out, "--runtime", "deno");
    expect(code).toBe(2);
    expect(text).toMatch(/--runtime takes node or workerd, not deno/);
  });

  // Starts workerd through Miniflare; the figures vary with load, so only their shape is checked.
  it("prints the cost per point inside workerd beside Node's, with both runtimes agreeing", () => {
    const { code, out: text } = run("--data", data, "--out", out, "--runtime", "workerd");
    expect(code, text).toBe(0);
    expect(text).toMatch(/^node +\d+\.\d\d +\d+\.\d\d$/m);
    expect(text).toMatch(/^workerd +\d+\.\d\d +\d+\.\d\d$/m);
    expect(text).not.toMatch(/scores differ|WARNING|mf:warn/);
  }, 120_000);

  // The figures bench/README.md quotes, on the whole shared subset: a change that loses them shows.
  it("keeps its scores on the shared NAB subset at the fixed threshold", () => {
    const { code, out: text } = run("--out", path.join(tmp, "full"));
    expect(code, text).toBe(0);
    const fixed = (p: string) =>
      Number(new RegExp(`^${p} +0\\.8000 +(-?\\d+\\.\\d\\d)`, "m").exec(text)?.[1]);
    expect(fixed("standard")).toBeGreaterThanOrEqual(71.53);
    expect(fixed("reward_low_FP_rate")).toBeGreaterThanOrEqual(63.81);
    expect(fixed("reward_low_FN_rate")).toBeGreaterThanOrEqual(76.33);
  });
});
