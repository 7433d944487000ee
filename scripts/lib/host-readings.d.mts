// Types for host-readings.mjs (plain JS, so the agent runs on any host without a build step).
import type { CpuInfo } from "node:os";
import type { StatsFs } from "node:fs";
import type { MetricSample } from "../../schema";

export type CpuTimes = { idle: number; total: number };
export type Memory = { totalBytes: number; availableBytes: number };
export type NetCounters = Record<string, { rxBytes: number; txBytes: number }>;
export type Counters = {
  at: number;
  cpu?: CpuTimes;
  memory?: Memory;
  disk?: number;
  net?: NetCounters;
  missing: Partial<Record<"cpu" | "memory" | "disk" | "network", string>>;
};
export type ReadOptions = { diskPath?: string; netInterfaces?: string[] };

export function parseProcStat(text: string): CpuTimes;
export function cpuTimesFromOs(cpus: CpuInfo[]): CpuTimes | undefined;
export function cpuPercent(prev: CpuTimes, next: CpuTimes): number | undefined;
export function parseMeminfo(text: string): Memory | undefined;
export function parseNetDev(text: string): NetCounters;
export function netRates(
  prev: NetCounters,
  next: NetCounters,
  seconds: number,
  include?: string[],
): { rxPerSecond: number; txPerSecond: number } | undefined;
export function diskPercent(
  stats: Pick<StatsFs, "blocks" | "bfree" | "bavail">,
): number | undefined;
export function readCounters(options?: ReadOptions): Promise<Counters>;
export function hostId(name: string): string;
export function samplesBetween(
  prev: Counters,
  next: Counters,
  options?: ReadOptions & { host?: string },
): Required<Pick<MetricSample, "metric" | "label" | "unit" | "value" | "timestamp">>[];
