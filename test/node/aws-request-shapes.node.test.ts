import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import type { HttpRequest } from "@smithy/protocol-http";
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import {
  cloudWatchGetMetricData,
  ec2DescribeInstances,
  lambdaListFunctions,
  metricDataRequest,
  rdsDescribeDbInstances,
  s3ListBuckets,
  signCall,
  type AwsCall,
} from "../../providers/aws/collector";

/**
 * Each request the collector sends has the shape the official AWS SDK sends for the same
 * operation and input: method, host, path, query, Content-Type, X-Amz-Target and body
 * parameters, and the same SigV4 signing name and region. The SDK's request is captured by a
 * recording request handler, so nothing leaves the machine.
 */
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" };

class Recorded extends Error {}

/** Runs an SDK command and returns the HTTP request it would have sent. */
async function record(
  make: (handler: { handle: (req: HttpRequest) => Promise<never> }) => {
    send: (c: never) => Promise<unknown>;
  },
  command: unknown,
): Promise<HttpRequest> {
  let captured: HttpRequest | undefined;
  const client = make({
    handle: async (req) => {
      captured = req;
      throw new Recorded("recorded");
    },
  });
  await expect(client.send(command as never)).rejects.toBeInstanceOf(Recorded);
  return captured!;
}

const header = (req: HttpRequest, name: string) =>
  Object.entries(req.headers).find(([k]) => k.toLowerCase() === name)?.[1];
const scope = (authorization: string | undefined | null) =>
  /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "")?.slice(1);
const formParams = (body: string) => [...new URLSearchParams(body)].sort();
/** The SDK's serialized body: a string for Query protocols, bytes for JSON ones. */
const text = (body: unknown) =>
  typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array);

async function ours(call: AwsCall) {
  return signCall(new AwsClient({ ...credentials, retries: 0 }), call, undefined);
}

async function expectSameShape(sdk: HttpRequest, call: AwsCall) {
  const signed = await ours(call);
  const url = new URL(signed.url);
  expect(signed.method).toBe(sdk.method);
  expect(url.hostname).toBe(sdk.hostname);
  expect(url.pathname).toBe(sdk.path);
  expect(Object.fromEntries(url.searchParams)).toEqual(sdk.query ?? {});
  expect(signed.headers.get("content-type") ?? undefined).toBe(header(sdk, "content-type"));
  expect(signed.headers.get("x-amz-target") ?? undefined).toBe(header(sdk, "x-amz-target"));
  expect(signed.headers.get("x-amzn-query-mode") ?? undefined).toBe(
    header(sdk, "x-amzn-query-mode"),
  );
  expect(scope(signed.headers.get("authorization"))).toEqual(scope(header(sdk, "authorization")));
  return signed;
}

describe("request shapes match the official AWS SDK clients", () => {
  it("EC2 DescribeInstances (EC2 Query, form POST)", async () => {
    const sdk = await record(
      (requestHandler) => new EC2Client({ region: "eu-west-1", credentials, requestHandler }),
      new DescribeInstancesCommand({ MaxResults: 500, NextToken: "eyJ2IjoiMiJ9+/=" }),
    );
    const call = ec2DescribeInstances("eu-west-1", "eyJ2IjoiMiJ9+/=");
    await expectSameShape(sdk, call);
    expect(formParams(call.body!)).toEqual(formParams(text(sdk.body)));
  });

  it("RDS DescribeDBInstances (Query, form POST)", async () => {
    const sdk = await record(
      (requestHandler) => new RDSClient({ region: "us-east-1", credentials, requestHandler }),
      new DescribeDBInstancesCommand({ MaxRecords: 100, Marker: "m-1" }),
    );
    const call = rdsDescribeDbInstances("us-east-1", "m-1");
    await expectSameShape(sdk, call);
    expect(formParams(call.body!)).toEqual(formParams(text(sdk.body)));
  });

  it("CloudWatch GetMetricData (AWS JSON 1.0 with X-Amz-Target)", async () => {
    const now = new Date("2026-03-01T12:07:30Z");
    const body = metricDataRequest(["ec2", "rds"], new Date(now.getTime() - 3_600_000), now, "t1");
    const input = body as {
      MetricDataQueries: { Id: string; Expression: string; Period: number }[];
      StartTime: number;
      EndTime: number;
      ScanBy: "TimestampAscending";
      NextToken: string;
    };
    const sdk = await record(
      (requestHandler) =>
        new CloudWatchClient({ region: "ap-southeast-2", credentials, requestHandler }),
      new GetMetricDataCommand({
        ...input,
        StartTime: new Date(input.StartTime * 1000),
        EndTime: new Date(input.EndTime * 1000),
      }),
    );
    const call = cloudWatchGetMetricData("ap-southeast-2", body);
    await expectSameShape(sdk, call);
    expect(JSON.parse(call.body!)).toEqual(JSON.parse(text(sdk.body)));
    // Period-aligned window: an hour back, up to the end of the current period.
    expect(input.EndTime - input.StartTime).toBe(3900);
    expect(input.MetricDataQueries.map((q) => q.Id)).toContain("cpu_rds");
  });

  it("S3 ListBuckets (REST-XML GET)", async () => {
    const sdk = await record(
      (requestHandler) => new S3Client({ region: "eu-west-1", credentials, requestHandler }),
      new ListBucketsCommand({}),
    );
    const signed = await expectSameShape(sdk, s3ListBuckets("eu-west-1"));
    expect(signed.headers.get("x-amz-content-sha256")).toBe(header(sdk, "x-amz-content-sha256"));
  });

  it("Lambda ListFunctions (REST-JSON GET)", async () => {
    const sdk = await record(
      (requestHandler) => new LambdaClient({ region: "eu-west-1", credentials, requestHandler }),
      new ListFunctionsCommand({ MaxItems: 50, Marker: "next/page+1" }),
    );
    await expectSameShape(sdk, lambdaListFunctions("eu-west-1", "next/page+1"));
  });
});
