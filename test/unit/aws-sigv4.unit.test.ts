import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsClient, AwsV4Signer } from "aws4fetch";
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
import suite from "../fixtures/aws/sigv4/vectors.json";

/** A raw request from the suite (`.req`): request line, headers, blank line, body. */
function parseRaw(raw: string) {
  const [head, ...rest] = raw.split("\n\n");
  const [requestLine, ...headerLines] = head!.split("\n");
  const [method, target] = requestLine!.split(" ");
  const headers: [string, string][] = headerLines.map((line) => {
    const at = line.indexOf(":");
    return [line.slice(0, at), line.slice(at + 1)];
  });
  return { method: method!, target: target!, headers, body: rest.join("\n\n") };
}

const SUITE_DATE = "20150830T123600Z";
const { accessKeyId, secretAccessKey } = suite.credentials;

describe("SigV4: the official AWS test suite vectors", () => {
  for (const vector of suite.vectors) {
    it(`aws4fetch signs ${vector.name} as the suite says`, async () => {
      const raw = parseRaw(vector.req);
      // Host and X-Amz-Date are the signer's own; Content-Length is left to the HTTP stack
      // (the suite's authz does not sign it either).
      const headers = raw.headers.filter(
        ([name]) => !["host", "x-amz-date", "content-length"].includes(name.toLowerCase()),
      );
      const host = raw.headers.find(([n]) => n.toLowerCase() === "host")![1];
      const signer = new AwsV4Signer({
        method: raw.method,
        url: `https://${host}${raw.target}`,
        headers,
        body: raw.body || undefined,
        accessKeyId,
        secretAccessKey,
        service: suite.service,
        region: suite.region,
        datetime: SUITE_DATE,
        allHeaders: true,
      });
      expect(await signer.stringToSign()).toBe(vector.sts);
      expect(await signer.authHeader()).toBe(vector.authz);
      // The suite's post-x-www-form-urlencoded .creq lists content-length although its .authz
      // does not sign it; for the others the canonical request matches too.
      if (vector.name !== "post-x-www-form-urlencoded")
        expect(await signer.canonicalString()).toBe(vector.creq);
    });

    it(`@smithy/signature-v4 signs ${vector.name} the same way`, async () => {
      const raw = parseRaw(vector.req);
      const url = new URL(`https://example.amazonaws.com${raw.target}`);
      const headers = Object.fromEntries(
        raw.headers
          .filter(([name]) => name.toLowerCase() !== "content-length")
          .map(([name, value]) => [name.toLowerCase(), value]),
      );
      const signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey },
        region: suite.region,
        service: suite.service,
        sha256: Sha256,
        applyChecksum: false,
      });
      const signed = await signer.sign(
        new HttpRequest({
          method: raw.method,
          protocol: "https:",
          hostname: url.hostname,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body: raw.body,
        }),
        { signingDate: new Date("2015-08-30T12:36:00Z") },
      );
      expect(signed.headers.authorization).toBe(vector.authz);
    });
  }
});

const CREDENTIALS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const NOW = new Date("2026-03-01T12:07:30Z");
const DATETIME = "20260301T120730Z";

/** Every request the collector sends, signed by aws4fetch at a pinned time. */
const calls: [string, AwsCall][] = [
  ["EC2 DescribeInstances", ec2DescribeInstances("eu-west-1")],
  ["EC2 DescribeInstances page 2", ec2DescribeInstances("eu-west-1", "eyJ2IjoiMiJ9+/=")],
  ["RDS DescribeDBInstances", rdsDescribeDbInstances("us-east-1", "marker")],
  [
    "CloudWatch GetMetricData",
    cloudWatchGetMetricData(
      "ap-southeast-2",
      metricDataRequest(["ec2", "rds"], new Date(NOW.getTime() - 3_600_000), NOW),
    ),
  ],
  ["S3 ListBuckets", s3ListBuckets("eu-west-1")],
  ["Lambda ListFunctions", lambdaListFunctions("eu-west-1", "next/page+1")],
];

describe("SigV4: aws4fetch and @smithy/signature-v4 agree on the collector's requests", () => {
  for (const [name, call] of calls) {
    it(name, async () => {
      const client = new AwsClient({ ...CREDENTIALS, retries: 0 });
      const request = await signCall(client, call, undefined, DATETIME);
      const authorization = request.headers.get("Authorization")!;
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization)!;
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(";");
      const url = new URL(request.url);
      const headers: Record<string, string> = { host: url.host };
      for (const name of signedHeaders)
        if (name !== "host") headers[name] = request.headers.get(name)!;
      const query: Record<string, string> = Object.fromEntries(url.searchParams);
      const signer = new SignatureV4({
        credentials: CREDENTIALS,
        region: scope[1]!,
        service: scope[2]!,
        sha256: Sha256,
        applyChecksum: false,
        uriEscapePath: scope[2] !== "s3",
      });
      const expected = await signer.sign(
        new HttpRequest({
          method: request.method,
          protocol: url.protocol,
          hostname: url.hostname,
          path: url.pathname,
          query,
          headers,
          body: call.body,
        }),
        { signingDate: NOW },
      );
      expect(authorization).toBe(expected.headers.authorization);
      // Everything that defines the operation is signed, so it cannot be altered in transit.
      expect(signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date"]));
      if (call.method === "POST") expect(signedHeaders).toContain("content-type");
      if (call.service === "cloudwatch") expect(signedHeaders).toContain("x-amz-target");
    });
  }

  it("a different secret gives a different signature", async () => {
    const call = ec2DescribeInstances("eu-west-1");
    const a = await signCall(new AwsClient(CREDENTIALS), call, undefined, DATETIME);
    const b = await signCall(
      new AwsClient({ ...CREDENTIALS, secretAccessKey: "x".repeat(40) }),
      call,
      undefined,
      DATETIME,
    );
    expect(a.headers.get("Authorization")).not.toBe(b.headers.get("Authorization"));
  });
});
