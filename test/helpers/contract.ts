import { z } from "zod";

/**
 * The dashboard contract (shared notes, contract.md) transcribed literally into zod, written
 * from the contract's tables and not from Opsdeck's schemas, so a test that validates a real
 * response or frame with these proves that a client written against the contract can read it.
 * Objects are not strict: Opsdeck may add fields (the contract allows additions), never drop or
 * retype one. Where the contract names a field without a type, the type is the one its clients
 * use: `duration` is a display string ("3m 24s", "in progress"), `timestamp` a string.
 */

const HealthStatus = z.enum(["healthy", "warning", "critical", "offline"]);
const RunStatus = z.enum(["pending", "running", "success", "failed"]);

/** `Metric`: `{ id, label, value: string|number, change: number (percent), trend, status }`. */
export const ContractMetric = z.object({
  id: z.string(),
  label: z.string(),
  value: z.union([z.string(), z.number()]),
  change: z.number(),
  trend: z.enum(["up", "down", "stable"]),
  status: HealthStatus,
});

/** `Alert`: `{ id, title, message, severity, timestamp, acknowledged: boolean, source }`. */
export const ContractAlert = z.object({
  id: z.string(),
  title: z.string(),
  message: z.string(),
  severity: z.enum(["info", "warning", "error", "critical"]),
  timestamp: z.string(),
  acknowledged: z.boolean(),
  source: z.string(),
});

/** `Deployment`: `{ id, name, environment, status, branch, commit, author, timestamp, duration }`. */
export const ContractDeployment = z.object({
  id: z.string(),
  name: z.string(),
  environment: z.enum(["production", "staging", "preview"]),
  status: RunStatus,
  branch: z.string(),
  commit: z.string(),
  author: z.string(),
  timestamp: z.string(),
  duration: z.string(),
});

/** `aws-services` item: `{ id, name, status, instances: number, region }`. */
export const ContractAwsService = z.object({
  id: z.string(),
  name: z.string(),
  status: HealthStatus,
  instances: z.number(),
  region: z.string(),
});

/** `pipeline` stage: `{ id, name, status: pending|running|success|failed, duration }`. */
export const ContractStage = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatus,
  duration: z.string(),
});

/** `pipeline`: `{ id, name, branch, commit, author, status, stages }`. */
export const ContractPipeline = z.object({
  id: z.string(),
  name: z.string(),
  branch: z.string(),
  commit: z.string(),
  author: z.string(),
  status: z.enum(["running", "success", "failed", "pending"]),
  stages: z.array(ContractStage),
});

/** An image a browser can show in `<img src>`: an http(s) URL or a `data:image/` URI. */
const ImageUrl = z
  .string()
  .refine((s) => /^data:image\/[a-z+.-]+[;,]/.test(s) || /^https?:\/\/\S+$/.test(s), "image URL");

/**
 * `web3-networks` item: `{ id, name, logo, status, blockNumber, blockTime (s), tps,
 * gasPrice: { slow, average, fast }, gasTrend: up|down }`.
 */
export const ContractWeb3Network = z.object({
  id: z.string(),
  name: z.string(),
  logo: ImageUrl,
  status: z.enum(["healthy", "warning", "critical"]),
  blockNumber: z.number(),
  blockTime: z.number(),
  tps: z.number(),
  gasPrice: z.object({ slow: z.number(), average: z.number(), fast: z.number() }),
  gasTrend: z.enum(["up", "down"]),
});

/** `activity` item: `{ id, type, title, description, user?, timestamp, status? }`. */
export const ContractActivity = z.object({
  id: z.string(),
  type: z.enum(["deployment", "alert", "security", "incident"]),
  title: z.string(),
  description: z.string(),
  user: z.string().optional(),
  timestamp: z.string(),
  status: HealthStatus.optional(),
});

/** Socket frames `{ type, payload }` (Opsdeck adds `seq` and `ts`). */
export const ContractFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("metrics"), payload: z.array(ContractMetric) }),
  z.object({ type: z.literal("alerts"), payload: z.array(ContractAlert) }),
  z.object({ type: z.literal("deployments"), payload: z.array(ContractDeployment) }),
  z.object({ type: z.literal("aws-services"), payload: z.array(ContractAwsService) }),
  z.object({ type: z.literal("pipeline"), payload: ContractPipeline }),
  z.object({ type: z.literal("web3-networks"), payload: z.array(ContractWeb3Network) }),
  z.object({ type: z.literal("activity"), payload: z.array(ContractActivity) }),
]);
export type ContractFrame = z.infer<typeof ContractFrame>;

/** The frame types the contract lists, in its table's order. */
export const CONTRACT_TYPES = [
  "metrics",
  "alerts",
  "deployments",
  "aws-services",
  "pipeline",
  "web3-networks",
  "activity",
] as const;

/** REST reads the contract lists, as `{ envelope }` bodies. */
export const ContractReads = {
  deployments: z.object({ deployments: z.array(ContractDeployment) }),
  incidents: z.object({ incidents: z.array(ContractAlert) }),
  web3: z.object({ networks: z.array(ContractWeb3Network) }),
  awsServices: z.object({ services: z.array(ContractAwsService) }),
  pipeline: z.object({ pipeline: ContractPipeline }),
  activity: z.object({ activities: z.array(ContractActivity) }),
  alerts: z.object({ alerts: z.array(ContractAlert) }),
  metrics: z.object({ metrics: z.array(ContractMetric) }),
  chart: z.object({ data: z.array(z.object({ timestamp: z.string(), value: z.number() })) }),
};

/**
 * `PUT api/settings { notifications: { email, slack, webhook }, thresholds: { cpu, memory,
 * disk }, integrations: { github: { enabled, token? }, aws: { enabled, accessKey?, secretKey? },
 * slack: { enabled, webhookUrl? } } }` → `{ success, settings }`.
 */
export const ContractSettingsAnswer = z.object({
  success: z.boolean(),
  settings: z.looseObject({}),
});
