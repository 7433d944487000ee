import { z } from "zod";
import { ActivityItem } from "./activity";
import { Alert } from "./alerts";
import { AnomalyCard } from "./anomaly-panel";
import { AwsService } from "./cloud";
import { Deployment } from "./deployments";
import { Incident } from "./incidents";
import { MemberSummary } from "./members";
import { Metric } from "./metrics";
import { Pipeline } from "./pipelines";
import { SecurityScan } from "./security";
import { SourceStatus } from "./sources";
import { Web3Network } from "./web3";

/** Everything a screen needs to draw a workspace, as of `seq`. */
export const Snapshot = z.object({
  workspace: z.object({ id: z.string(), name: z.string() }),
  seq: z.number().int().nonnegative(),
  metrics: z.array(Metric),
  alerts: z.array(Alert),
  incidents: z.array(Incident),
  deployments: z.array(Deployment),
  pipelines: z.array(Pipeline),
  awsServices: z.array(AwsService),
  web3Networks: z.array(Web3Network),
  activity: z.array(ActivityItem),
  security: z.array(SecurityScan),
  sources: z.array(SourceStatus),
  /** Members by name and role (who did what); absent from objects that predate members. */
  members: z.array(MemberSummary).optional(),
  /** Open anomalies, each with its sparkline: the Anomalies panel. */
  anomalies: z.array(AnomalyCard),
});
export type Snapshot = z.infer<typeof Snapshot>;

/**
 * Change events, as stored in the event log and broadcast. List-shaped types carry the
 * whole current list of that kind (a client replaces its copy); `pipeline` carries the one
 * run that changed and `activity` the new items (a client prepends them).
 */
export const ChangeEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("metrics"), payload: z.array(Metric) }),
  z.object({ type: z.literal("alerts"), payload: z.array(Alert) }),
  z.object({ type: z.literal("incidents"), payload: z.array(Incident) }),
  z.object({ type: z.literal("deployments"), payload: z.array(Deployment) }),
  z.object({ type: z.literal("aws-services"), payload: z.array(AwsService) }),
  z.object({ type: z.literal("pipeline"), payload: Pipeline }),
  z.object({ type: z.literal("web3-networks"), payload: z.array(Web3Network) }),
  z.object({ type: z.literal("activity"), payload: z.array(ActivityItem) }),
  z.object({ type: z.literal("security"), payload: z.array(SecurityScan) }),
  z.object({ type: z.literal("sources"), payload: z.array(SourceStatus) }),
  z.object({ type: z.literal("members"), payload: z.array(MemberSummary) }),
  z.object({ type: z.literal("anomalies"), payload: z.array(AnomalyCard) }),
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type ChangeType = ChangeEvent["type"];

/** Server → client frames: `{ type, payload, seq, ts }`. */
export const ServerFrame = z.intersection(
  z.discriminatedUnion("type", [
    ...ChangeEvent.options,
    z.object({ type: z.literal("snapshot"), payload: Snapshot }),
    z.object({
      type: z.literal("error"),
      payload: z.object({ code: z.string(), message: z.string() }),
    }),
    z.object({ type: z.literal("ping"), payload: z.null() }),
  ]),
  z.object({ seq: z.number().int().nonnegative(), ts: z.string() }),
);
export type ServerFrame = z.infer<typeof ServerFrame>;

/**
 * Which frames a socket gets, chosen by `?frames=` on the socket URL. `opsdeck` (the default,
 * Opsdeck's own client): one `snapshot` frame on connect, then change frames, `activity`
 * carrying only the new items. `contract` (clients of the dashboard contract): on connect one
 * frame per contract type (`CONTRACT_FRAME_TYPES`), then the same change frames, except that
 * `activity` carries the whole recent feed (such clients replace their list with it).
 */
export const FrameMode = z.enum(["opsdeck", "contract"]);
export type FrameMode = z.infer<typeof FrameMode>;

/** The socket URL's query parameter that picks the `FrameMode`. */
export const FRAMES_PARAM = "frames";

/**
 * The contract's frame types, in the order a `contract` socket receives them on connect.
 * `pipeline` is the most recent run (omitted while there is none).
 */
export const CONTRACT_FRAME_TYPES = [
  "metrics",
  "alerts",
  "deployments",
  "aws-services",
  "pipeline",
  "web3-networks",
  "activity",
] as const satisfies readonly ChangeType[];

/** The exact ping text existing clients send; answered by the hibernation auto-response. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Client → server frames. Unknown types get an error frame, never a silent drop. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("resume"), lastSeq: z.number().int().nonnegative() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames over this many bytes close the socket with 1009. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * Header the Worker uses to hand the caller's credential to the object's upgrade `fetch()`, so
 * a connect costs one trip to the object: it authenticates and accepts in the same call. It
 * carries a `Credential` (schema/auth.ts) as JSON.
 */
export const CREDENTIAL_HEADER = "x-opsdeck-credential";
