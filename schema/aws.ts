import { z } from "zod";
import { Text } from "./common";
import { SourceStatus } from "./sources";

// ── Integration configuration ─────────────────────────────────────────────────────────

/** What the AWS collector may read; S3 and Lambda are skipped where the keys are not allowed. */
export const AwsServiceKind = z.enum(["ec2", "rds", "cloudwatch", "s3", "lambda"]);
export type AwsServiceKind = z.infer<typeof AwsServiceKind>;

/**
 * A commercial or GovCloud region name (`eu-west-1`, `ap-southeast-2`, `us-gov-west-1`). It
 * becomes part of a host name (`ec2.<region>.amazonaws.com`), so nothing else may pass; the
 * China partition uses other hosts and other credentials, so it is refused.
 */
export const AwsRegion = z
  .string()
  .regex(
    /^(?!cn-)[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central)(east|west)?-\d{1,2}$/,
    "an AWS region name such as us-east-1 or eu-west-1",
  );
export type AwsRegion = z.infer<typeof AwsRegion>;

export const DEFAULT_AWS_REGIONS: AwsRegion[] = ["us-east-1"];
export const DEFAULT_AWS_SERVICES: AwsServiceKind[] = [...AwsServiceKind.options];
/** Every region costs one request per service per run; this bounds a run's fan-out. */
export const MAX_AWS_REGIONS = 10;

// ── Ids: service cards and their metric series ────────────────────────────────────────

/** What the collector measures per service and region (CloudWatch), CPU first. */
export const AWS_MEASURES = [
  "cpu",
  "memory",
  "disk",
  "network_in",
  "network_out",
  "ebs_read",
  "ebs_write",
] as const;
export type AwsMeasure = (typeof AWS_MEASURES)[number];

/**
 * A service card's id: the service and its region (S3 is one card, region `global`).
 * @example awsServiceId("ec2", "eu-west-1") // "ec2.eu-west-1"
 */
export function awsServiceId(service: AwsServiceKind, region: string): string {
  return `${service}.${region}`;
}

/**
 * The id of the metric series the AWS collector writes for a service in a region, and the one
 * a service card's chart looks up: the measure, then the card's id. The measure comes first so
 * the workspace thresholds (`cpu.`, `memory.`, `disk.`) judge the series.
 * @example awsMetricId("cpu", "ec2", "eu-west-1") // "cpu.ec2.eu-west-1"
 */
export function awsMetricId(measure: AwsMeasure, service: AwsServiceKind, region: string): string {
  return `${measure}.${awsServiceId(service, region)}`;
}

/**
 * The metric ids that may chart a service card, best first; none for an id that is not a
 * card's (`<service>.<region>`).
 * @example awsCardMetricIds({ id: "ec2.eu-west-1", region: "eu-west-1" })[0] // "cpu.ec2.eu-west-1"
 */
export function awsCardMetricIds(card: { id: string; region: string }): string[] {
  const service = AwsServiceKind.safeParse(card.id.slice(0, card.id.indexOf(".")));
  if (!service.success || card.id !== awsServiceId(service.data, card.region)) return [];
  return AWS_MEASURES.map((measure) => awsMetricId(measure, service.data, card.region));
}

const unique = <T>(items: T[]) => new Set(items).size === items.length;

/**
 * Per-service base URLs that replace `https://<service>.<region>.amazonaws.com`. Only honoured
 * where the server allows loopback URLs (tests, local development), so a local stand-in can
 * answer; production always talks to AWS's own hosts.
 */
const EndpointUrl = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .optional();
export const AwsEndpoints = z
  .object({
    ec2: EndpointUrl,
    rds: EndpointUrl,
    cloudwatch: EndpointUrl,
    s3: EndpointUrl,
    lambda: EndpointUrl,
  })
  .strict();
export type AwsEndpoints = z.infer<typeof AwsEndpoints>;

/** IAM access key ids: 16–128 word characters (IAM API `AccessKeyId` pattern `[\w]+`). */
const AccessKeyId = z
  .string()
  .regex(/^\w{16,128}$/, "an AWS access key id (16–128 letters and digits, e.g. AKIA…)");
const SecretAccessKey = Text(128)
  .min(16, "an AWS secret access key (40 characters)")
  .regex(/^\S+$/, "must not contain spaces");

/**
 * `PUT api/integrations/aws`. Like every integration secret, omitting a key keeps the stored
 * one and `null` clears it; regions, services and endpoints are kept when omitted.
 */
export const AwsIntegrationInput = z
  .object({
    enabled: z.boolean(),
    accessKey: AccessKeyId.nullable().optional(),
    secretKey: SecretAccessKey.nullable().optional(),
    regions: z
      .array(AwsRegion)
      .min(1)
      .max(MAX_AWS_REGIONS)
      .refine(unique, "list each region once")
      .optional(),
    services: z.array(AwsServiceKind).min(1).refine(unique, "list each service once").optional(),
    endpoints: AwsEndpoints.nullable().optional(),
  })
  .strict();
export type AwsIntegrationInput = z.infer<typeof AwsIntegrationInput>;

/** `GET api/integrations/aws`: keys only as "set", never their values, plus the source's health. */
export const AwsIntegration = z.object({
  enabled: z.boolean(),
  accessKeySet: z.boolean(),
  secretKeySet: z.boolean(),
  regions: z.array(z.string()),
  services: z.array(AwsServiceKind),
  endpoints: AwsEndpoints.optional(),
  source: SourceStatus,
});
export type AwsIntegration = z.infer<typeof AwsIntegration>;

// ── Provider responses (what the collector accepts after parsing XML or JSON) ──────────

const Str = z.string();
/** Query-protocol XML: an empty list is an empty element (`<DBInstances/>`), parsed as "". */
const list = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), z.literal("")])
    .optional()
    .transform((v) => (Array.isArray(v) ? v : []));

/** EC2 `DescribeInstances` (EC2 Query protocol, XML). Lists are `<…Set><item>`. */
export const Ec2DescribeInstances = z.object({
  DescribeInstancesResponse: z.object({
    reservationSet: z
      .union([
        z.object({
          item: list(
            z.object({
              instancesSet: z
                .union([
                  z.object({
                    item: list(
                      z.object({
                        instanceId: Str,
                        instanceState: z.object({ name: Str }),
                      }),
                    ),
                  }),
                  z.literal(""),
                ])
                .optional(),
            }),
          ),
        }),
        z.literal(""),
      ])
      .optional(),
    nextToken: Str.optional(),
  }),
});
export type Ec2DescribeInstances = z.infer<typeof Ec2DescribeInstances>;

/** RDS `DescribeDBInstances` (Query protocol, XML). */
export const RdsDescribeDbInstances = z.object({
  DescribeDBInstancesResponse: z.object({
    DescribeDBInstancesResult: z.object({
      DBInstances: z
        .union([
          z.object({
            DBInstance: list(z.object({ DBInstanceIdentifier: Str, DBInstanceStatus: Str })),
          }),
          z.literal(""),
        ])
        .optional(),
      Marker: Str.optional(),
    }),
  }),
});
export type RdsDescribeDbInstances = z.infer<typeof RdsDescribeDbInstances>;

/** S3 `ListBuckets` (REST-XML). */
export const S3ListBuckets = z.object({
  ListAllMyBucketsResult: z.object({
    Buckets: z
      .union([z.object({ Bucket: list(z.object({ Name: Str })) }), z.literal("")])
      .optional(),
  }),
});
export type S3ListBuckets = z.infer<typeof S3ListBuckets>;

/** Lambda `ListFunctions` (REST-JSON). `State` is only present on some answers. */
export const LambdaListFunctions = z.object({
  Functions: z
    .array(z.object({ FunctionName: Str, State: Str.optional() }).loose())
    .optional()
    .default([]),
  NextMarker: Str.nullable().optional(),
});
export type LambdaListFunctions = z.infer<typeof LambdaListFunctions>;

/** CloudWatch `GetMetricData` (AWS JSON 1.0): timestamps are epoch seconds. */
export const CloudWatchMetricData = z.object({
  MetricDataResults: z
    .array(
      z
        .object({
          Id: Str,
          Label: Str.optional(),
          Timestamps: z.array(z.number()).optional().default([]),
          Values: z.array(z.number()).optional().default([]),
          StatusCode: Str.optional(),
        })
        .loose(),
    )
    .optional()
    .default([]),
  NextToken: Str.nullable().optional(),
  Messages: z.array(z.object({ Code: Str.optional(), Value: Str.optional() })).optional(),
});
export type CloudWatchMetricData = z.infer<typeof CloudWatchMetricData>;
