import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { HttpResponse } from "@smithy/protocol-http";
import { describe, expect, it } from "vitest";
import {
  CloudWatchMetricData,
  Ec2DescribeInstances,
  LambdaListFunctions,
  RdsDescribeDbInstances,
  S3ListBuckets,
} from "../../schema";
import { readXml } from "../../providers/aws/xml";
import {
  cloudWatchGetMetricData,
  ec2DescribeInstances,
  lambdaListFunctions,
  rdsDescribeDbInstances,
  s3ListBuckets,
  upstreamError,
  AwsAccessDenied,
  type AwsCall,
} from "../../providers/aws/collector";

/**
 * Proof that every fixture is AWS's real wire format: the official SDK clients decode each
 * one (success bodies into their documented output, error bodies into the named exception),
 * and Opsdeck's own parsing reads the same values.
 */
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "aws");
const fixture = (name: string) => readFileSync(path.join(DIR, name), "utf8");
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" };

/** A request handler that answers every call with one canned HTTP response. */
function answering(statusCode: number, headers: Record<string, string>, body: string) {
  return {
    handle: async () => ({
      response: new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(body)]) }),
    }),
  };
}

const options = (statusCode: number, headers: Record<string, string>, body: string) => ({
  region: "us-west-2",
  credentials,
  maxAttempts: 1,
  requestHandler: answering(statusCode, headers, body),
});

const XML = { "content-type": "text/xml" };
const CW = { "content-type": "application/x-amz-json-1.0" };

/** The SDK's exception name for an error fixture (its error code). */
async function sdkError(send: () => Promise<unknown>): Promise<string> {
  try {
    await send();
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error("expected the SDK to reject");
}

describe("fixtures decode with the official AWS SDK clients", () => {
  it("EC2 DescribeInstances pages (EC2 Query XML)", async () => {
    const states: string[] = [];
    let token: string | undefined;
    for (const page of [
      "ec2/describe-instances.xml",
      "ec2/describe-instances-page-1.xml",
      "ec2/describe-instances-page-2.xml",
    ]) {
      const out = await new EC2Client(options(200, XML, fixture(page))).send(
        new DescribeInstancesCommand({}),
      );
      const instance = out.Reservations![0]!.Instances![0]!;
      expect(instance.InstanceType).toBe("t2.micro");
      states.push(instance.State!.Name!);
      if (page.endsWith("page-1.xml")) token = out.NextToken;
      // Our parser reads the same instance and state.
      const ours = readXml(Ec2DescribeInstances, fixture(page))!;
      const item = ours.DescribeInstancesResponse.reservationSet || { item: [] };
      const first = (item.item[0]!.instancesSet || { item: [] }).item[0]!;
      expect(first.instanceId).toBe(instance.InstanceId);
      expect(first.instanceState.name).toBe(instance.State!.Name);
      expect(ours.DescribeInstancesResponse.nextToken).toBe(out.NextToken);
    }
    expect(states).toEqual(["running", "running", "stopped"]);
    expect(token).toBeTruthy();
  });

  it("RDS DescribeDBInstances (Query XML)", async () => {
    const body = fixture("rds/describe-db-instances.xml");
    const out = await new RDSClient(options(200, XML, body)).send(
      new DescribeDBInstancesCommand({}),
    );
    expect(out.DBInstances).toHaveLength(1);
    expect(out.DBInstances![0]).toMatchObject({
      DBInstanceIdentifier: "mysqlexampledb",
      DBInstanceStatus: "available",
      Engine: "mysql",
    });
    const ours = readXml(RdsDescribeDbInstances, body)!;
    const list = ours.DescribeDBInstancesResponse.DescribeDBInstancesResult.DBInstances;
    expect(list && list.DBInstance).toEqual([
      expect.objectContaining({
        DBInstanceIdentifier: "mysqlexampledb",
        DBInstanceStatus: "available",
      }),
    ]);
  });

  it("CloudWatch GetMetricData (AWS JSON 1.0, epoch-second timestamps)", async () => {
    const body = fixture("cloudwatch/get-metric-data.json");
    const out = await new CloudWatchClient(options(200, CW, body)).send(
      new GetMetricDataCommand({
        MetricDataQueries: [],
        StartTime: new Date(),
        EndTime: new Date(),
      }),
    );
    expect(out.MetricDataResults![0]).toMatchObject({
      Id: "m3",
      Label: "Avg Total IOPS",
      Values: [96.85],
      StatusCode: "Complete",
    });
    expect(out.MetricDataResults![0]!.Timestamps![0]!.toISOString()).toBe(
      "2024-09-29T22:10:00.000Z",
    );
    const ours = CloudWatchMetricData.parse(JSON.parse(body));
    expect(ours.MetricDataResults[0]!.Timestamps[0]! * 1000).toBe(
      out.MetricDataResults![0]!.Timestamps![0]!.getTime(),
    );
  });

  it("S3 ListBuckets (REST-XML)", async () => {
    const body = fixture("s3/list-buckets.xml");
    const out = await new S3Client(options(200, { "content-type": "application/xml" }, body)).send(
      new ListBucketsCommand({}),
    );
    expect(out.Buckets!.map((b) => b.Name)).toEqual(["DOC-EXAMPLE-BUCKET", "DOC-EXAMPLE-BUCKET2"]);
    const ours = readXml(S3ListBuckets, body)!;
    const buckets = ours.ListAllMyBucketsResult.Buckets || { Bucket: [] };
    expect(buckets.Bucket.map((b) => b.Name)).toEqual(out.Buckets!.map((b) => b.Name));
  });

  it("Lambda ListFunctions (REST-JSON)", async () => {
    const body = fixture("lambda/list-functions.json");
    const out = await new LambdaClient(
      options(200, { "content-type": "application/json" }, body),
    ).send(new ListFunctionsCommand({}));
    const names = out.Functions!.map((f) => f.FunctionName);
    expect(names).toEqual(["helloworld", "my-function", "my-python-function"]);
    expect(
      LambdaListFunctions.parse(JSON.parse(body)).Functions.map((f) => f.FunctionName),
    ).toEqual(names);
  });
});

/** Each error fixture, the exception the SDK raises for it, and how Opsdeck classifies it. */
const errors: {
  file: string;
  status: number;
  headers: Record<string, string>;
  call: AwsCall;
  send: (body: string, status: number, headers: Record<string, string>) => Promise<unknown>;
  code: string;
  kind: "credentials" | "denied" | "transient";
}[] = [
  ...(
    [
      ["ec2/error-auth-failure.xml", 401, "AuthFailure", "credentials"],
      ["ec2/error-signature-does-not-match.xml", 403, "SignatureDoesNotMatch", "credentials"],
      ["ec2/error-request-limit-exceeded.xml", 503, "RequestLimitExceeded", "transient"],
      ["ec2/error-unauthorized-operation.xml", 403, "UnauthorizedOperation", "denied"],
    ] as const
  ).map(([file, status, code, kind]) => ({
    file,
    status,
    headers: XML,
    call: ec2DescribeInstances("us-west-2"),
    send: (body: string, s: number, h: Record<string, string>) =>
      new EC2Client(options(s, h, body)).send(new DescribeInstancesCommand({})),
    code,
    kind,
  })),
  ...(
    [
      ["rds/error-invalid-client-token-id.xml", 403, "InvalidClientTokenId", "credentials"],
      ["rds/error-signature-does-not-match.xml", 403, "SignatureDoesNotMatch", "credentials"],
      ["rds/error-expired-token.xml", 403, "ExpiredToken", "credentials"],
      ["rds/error-throttling.xml", 400, "Throttling", "transient"],
    ] as const
  ).map(([file, status, code, kind]) => ({
    file,
    status,
    headers: XML,
    call: rdsDescribeDbInstances("us-west-2"),
    send: (body: string, s: number, h: Record<string, string>) =>
      new RDSClient(options(s, h, body)).send(new DescribeDBInstancesCommand({})),
    code,
    kind,
  })),
  ...(
    [
      ["cloudwatch/error-unrecognized-client.json", "InvalidClientTokenId", "credentials"],
      ["cloudwatch/error-invalid-signature.json", "SignatureDoesNotMatch", "credentials"],
      ["cloudwatch/error-throttling.json", "Throttling", "transient"],
    ] as const
  ).map(([file, code, kind]) => ({
    file,
    status: 400,
    // Query-compatible JSON: CloudWatch also names the Query error code in a header.
    headers: { ...CW, "x-amzn-query-error": `${code};Sender` },
    call: cloudWatchGetMetricData("us-west-2", {}),
    send: (body: string, s: number, h: Record<string, string>) =>
      new CloudWatchClient(options(s, h, body)).send(
        new GetMetricDataCommand({
          MetricDataQueries: [],
          StartTime: new Date(),
          EndTime: new Date(),
        }),
      ),
    code,
    kind,
  })),
  ...(
    [
      ["s3/error-access-denied.xml", 403, "AccessDenied", "denied"],
      ["s3/error-invalid-access-key-id.xml", 403, "InvalidAccessKeyId", "credentials"],
    ] as const
  ).map(([file, status, code, kind]) => ({
    file,
    status,
    headers: { "content-type": "application/xml" },
    call: s3ListBuckets("us-west-2"),
    send: (body: string, s: number, h: Record<string, string>) =>
      new S3Client(options(s, h, body)).send(new ListBucketsCommand({})),
    code,
    kind,
  })),
  ...(
    [
      ["lambda/error-access-denied.json", "AccessDeniedException", "denied"],
      ["lambda/error-unrecognized-client.json", "UnrecognizedClientException", "credentials"],
    ] as const
  ).map(([file, code, kind]) => ({
    file,
    status: 403,
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": `${code}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
    },
    call: lambdaListFunctions("us-west-2"),
    send: (body: string, s: number, h: Record<string, string>) =>
      new LambdaClient(options(s, h, body)).send(new ListFunctionsCommand({})),
    code,
    kind,
  })),
];

describe("error fixtures: the SDK's exception and Opsdeck's classification", () => {
  for (const e of errors) {
    it(`${e.file} → ${e.code} (${e.kind})`, async () => {
      const body = fixture(e.file);
      expect(await sdkError(() => e.send(body, e.status, e.headers))).toBe(e.code);
      const mapped = upstreamError(e.call, e.status, new Headers(e.headers), body);
      expect(mapped.message).toContain(e.code);
      const kind =
        mapped instanceof AwsAccessDenied
          ? "denied"
          : mapped.kind === "credentials"
            ? "credentials"
            : "transient";
      expect(kind).toBe(e.kind);
    });
  }

  it("a JSON error without the query header still yields its code", () => {
    const mapped = upstreamError(
      cloudWatchGetMetricData("us-west-2", {}),
      400,
      new Headers(CW),
      fixture("cloudwatch/error-unrecognized-client.json"),
    );
    expect(mapped.message).toContain("UnrecognizedClientException");
    expect(mapped.kind).toBe("credentials");
  });

  it("HTML, empty bodies and DTDs are not mistaken for AWS answers", () => {
    const call = ec2DescribeInstances("us-west-2");
    expect(upstreamError(call, 502, new Headers(), "<html>Bad gateway</html>").message).toContain(
      "HTTP 502",
    );
    expect(upstreamError(call, 500, new Headers(), "").kind).toBe("transient");
    const dtd = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "AuthFailure">]><Response><Errors><Error><Code>&a;</Code></Error></Errors></Response>`;
    expect(upstreamError(call, 400, new Headers(), dtd).kind).toBe("transient");
    expect(readXml(Ec2DescribeInstances, dtd)).toBeUndefined();
  });
});
