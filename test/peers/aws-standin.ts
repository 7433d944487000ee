import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * A loopback stand-in for EC2, RDS, CloudWatch, S3 and Lambda. It answers from fixtures
 * based on AWS's documented examples (test/fixtures/aws) and, like AWS, first checks each
 * request's SigV4 signature: it recomputes it with the official `@smithy/signature-v4` from
 * the secret registered for the access key and refuses a mismatch with the service's own
 * SignatureDoesNotMatch answer. Which service is meant comes from the credential scope, so one
 * URL serves all five.
 *
 * Control (all per access key, so parallel tests never see each other's state):
 * - `POST /__keys {accessKeyId, secretAccessKey}` registers a key pair (like creating an IAM key);
 * - `POST /__mode {accessKeyId, mode, cpu?}` switches behaviour (see StandinMode) and the CPU level;
 * - `GET /__stats?accessKeyId=…` counts requests per service, and signature rejections.
 */
export type StandinMode = "ok" | "500" | "throttle" | "expired" | "deny-s3-lambda" | "garbage";

type Service = "ec2" | "rds" | "cloudwatch" | "s3" | "lambda";
type KeyState = {
  secret: string;
  mode: StandinMode;
  cpu: number;
  requests: Record<string, number>;
  signatureRejections: number;
};

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "aws");
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");
const SCOPE_SERVICE: Record<string, Service> = {
  ec2: "ec2",
  rds: "rds",
  monitoring: "cloudwatch",
  s3: "s3",
  lambda: "lambda",
};

/** What each protocol says for the same fault. */
type Fault = { status: number; code: string; message: string; file?: string };
const FAULTS = {
  unknownKey: {
    ec2: { status: 401, code: "AuthFailure", message: "", file: "ec2/error-auth-failure.xml" },
    rds: {
      status: 403,
      code: "InvalidClientTokenId",
      message: "",
      file: "rds/error-invalid-client-token-id.xml",
    },
    cloudwatch: {
      status: 403,
      code: "InvalidClientTokenId",
      message: "",
      file: "cloudwatch/error-unrecognized-client.json",
    },
    s3: {
      status: 403,
      code: "InvalidAccessKeyId",
      message: "",
      file: "s3/error-invalid-access-key-id.xml",
    },
    lambda: {
      status: 403,
      code: "UnrecognizedClientException",
      message: "",
      file: "lambda/error-unrecognized-client.json",
    },
  },
  badSignature: {
    ec2: {
      status: 401,
      code: "SignatureDoesNotMatch",
      message: "",
      file: "ec2/error-signature-does-not-match.xml",
    },
    rds: {
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "",
      file: "rds/error-signature-does-not-match.xml",
    },
    cloudwatch: {
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "",
      file: "cloudwatch/error-invalid-signature.json",
    },
    s3: {
      status: 403,
      code: "SignatureDoesNotMatch",
      message:
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    },
    lambda: {
      status: 403,
      code: "InvalidSignatureException",
      message: "The request signature we calculated does not match the signature you provided.",
    },
  },
  throttle: {
    ec2: {
      status: 503,
      code: "RequestLimitExceeded",
      message: "",
      file: "ec2/error-request-limit-exceeded.xml",
    },
    rds: { status: 400, code: "Throttling", message: "", file: "rds/error-throttling.xml" },
    cloudwatch: {
      status: 400,
      code: "Throttling",
      message: "",
      file: "cloudwatch/error-throttling.json",
    },
    s3: { status: 503, code: "SlowDown", message: "Please reduce your request rate." },
    lambda: { status: 429, code: "TooManyRequestsException", message: "Rate exceeded" },
  },
  expired: {
    ec2: {
      status: 400,
      code: "ExpiredToken",
      message: "The security token included in the request is expired",
    },
    rds: { status: 403, code: "ExpiredToken", message: "", file: "rds/error-expired-token.xml" },
    cloudwatch: {
      status: 403,
      code: "ExpiredToken",
      message: "The security token included in the request is expired",
    },
    s3: { status: 400, code: "ExpiredToken", message: "The provided token has expired." },
    lambda: {
      status: 403,
      code: "ExpiredTokenException",
      message: "The security token included in the request is expired",
    },
  },
  internal: {
    ec2: { status: 500, code: "InternalError", message: "An internal error has occurred." },
    rds: { status: 500, code: "InternalFailure", message: "An internal error has occurred." },
    cloudwatch: { status: 500, code: "InternalServiceFault", message: "Internal service error." },
    s3: {
      status: 500,
      code: "InternalError",
      message: "We encountered an internal error. Please try again.",
    },
    lambda: { status: 500, code: "ServiceException", message: "Internal service error." },
  },
} satisfies Record<string, Record<Service, Fault>>;

function faultBody(
  service: Service,
  fault: Fault,
): { body: string; headers: Record<string, string> } {
  const queryError = { "x-amzn-query-error": `${fault.code};Sender` };
  if (fault.file) {
    const json = fault.file.endsWith(".json");
    return {
      body: fixture(fault.file),
      headers: {
        "Content-Type": json ? "application/x-amz-json-1.0" : "text/xml",
        ...(service === "cloudwatch" ? queryError : {}),
        ...(service === "lambda" ? { "x-amzn-ErrorType": fault.code } : {}),
      },
    };
  }
  const m = fault.message;
  switch (service) {
    case "ec2":
      return {
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${fault.code}</Code><Message>${m}</Message></Error></Errors><RequestID>standin</RequestID></Response>`,
        headers: { "Content-Type": "text/xml" },
      };
    case "rds":
      return {
        body: `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${m}</Message></Error><RequestId>standin</RequestId></ErrorResponse>`,
        headers: { "Content-Type": "text/xml" },
      };
    case "s3":
      return {
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${m}</Message><RequestId>standin</RequestId></Error>`,
        headers: { "Content-Type": "application/xml" },
      };
    case "cloudwatch":
      return {
        body: JSON.stringify({ __type: `com.amazon.coral.service#${fault.code}`, message: m }),
        headers: { "Content-Type": "application/x-amz-json-1.0", ...queryError },
      };
    case "lambda":
      return {
        body: JSON.stringify({ Type: "User", message: m }),
        headers: { "Content-Type": "application/json", "x-amzn-ErrorType": fault.code },
      };
  }
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Recomputes the request's signature with the official signer; true when it matches. */
async function signatureMatches(
  req: IncomingMessage,
  body: string,
  secret: string,
  auth: RegExpExecArray,
): Promise<boolean> {
  const [, accessKeyId, , region, service, signedHeaders, signature] = auth;
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when) return false;
  const signingDate = new Date(
    `${when[1]}-${when[2]}-${when[3]}T${when[4]}:${when[5]}:${when[6]}Z`,
  );
  const names = signedHeaders!.split(";");
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  const request = new HttpRequest({
    method: req.method ?? "GET",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers,
    body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secret },
    region: region!,
    service: service!,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: service !== "s3",
  });
  const signed = await signer.sign(request, {
    signingDate,
    signableHeaders: new Set(names),
  });
  return String(signed.headers.authorization).endsWith(`Signature=${signature}`);
}

/** CloudWatch answers in the documented GetMetricData shape, with points for the asked window. */
function metricData(body: string, state: KeyState): string {
  const template = JSON.parse(fixture("cloudwatch/get-metric-data.json")) as {
    MetricDataResults: Record<string, unknown>[];
    Messages: unknown[];
  };
  const request = JSON.parse(body) as {
    MetricDataQueries: { Id: string; Period: number }[];
    StartTime: number;
    EndTime: number;
  };
  const level: Record<string, number[]> = {
    cpu_ec2: [state.cpu - 2, state.cpu + 2],
    net_in: [1_000_000, 3_000_000],
    net_out: [500_000, 1_500_000],
    ebs_read: [2_048, 4_096],
    ebs_write: [8_192, 16_384],
    mem: [50, 60],
    disk: [40, 70],
    cpu_rds: [30],
  };
  const results = request.MetricDataQueries.flatMap((query) => {
    const times: number[] = [];
    for (let t = request.StartTime; t < request.EndTime; t += query.Period) times.push(t);
    return (level[query.Id] ?? []).map((value, i) => ({
      ...template.MetricDataResults[0],
      Id: query.Id,
      Label: `${query.Id} instance-${i + 1}`,
      Timestamps: times,
      Values: times.map(() => value),
      StatusCode: "Complete",
    }));
  });
  return JSON.stringify({ ...template, MetricDataResults: results });
}

type Answer = { status?: number; headers: Record<string, string>; body: string };

function answer(service: Service, body: string, url: URL, state: KeyState): Answer | undefined {
  const xml = { "Content-Type": "text/xml" };
  const form = new URLSearchParams(body);
  switch (service) {
    case "ec2":
      if (form.get("Action") !== "DescribeInstances" || form.get("Version") !== "2016-11-15")
        return undefined;
      return {
        headers: xml,
        body: fixture(
          form.get("NextToken")
            ? "ec2/describe-instances-page-2.xml"
            : "ec2/describe-instances-page-1.xml",
        ),
      };
    case "rds":
      if (form.get("Action") !== "DescribeDBInstances" || form.get("Version") !== "2014-10-31")
        return undefined;
      return { headers: xml, body: fixture("rds/describe-db-instances.xml") };
    case "cloudwatch":
      return {
        headers: { "Content-Type": "application/x-amz-json-1.0" },
        body: metricData(body, state),
      };
    case "s3":
      if (state.mode === "deny-s3-lambda")
        return {
          status: 403,
          headers: { "Content-Type": "application/xml" },
          body: fixture("s3/error-access-denied.xml"),
        };
      return {
        headers: { "Content-Type": "application/xml" },
        body: fixture("s3/list-buckets.xml"),
      };
    case "lambda":
      if (state.mode === "deny-s3-lambda")
        return {
          status: 403,
          headers: {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": "AccessDeniedException",
          },
          body: fixture("lambda/error-access-denied.json"),
        };
      if (url.pathname !== "/2015-03-31/functions") return undefined;
      return {
        headers: { "Content-Type": "application/json" },
        body: fixture("lambda/list-functions.json"),
      };
  }
}

export async function startAwsStandin(): Promise<{ url: string; stop: () => Promise<void> }> {
  const keys = new Map<string, KeyState>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://standin");
    const send = (status: number, headers: Record<string, string>, text: string) =>
      void res.writeHead(status, headers).end(text);

    if (url.pathname.startsWith("/__")) return control(url, body, send);
    const auth = AUTH.exec(String(req.headers.authorization ?? ""));
    const service = auth ? SCOPE_SERVICE[auth[4]!] : undefined;
    if (!auth || !service)
      return send(403, { "Content-Type": "text/plain" }, "MissingAuthenticationToken");
    const state = keys.get(auth[1]!);
    const fail = (fault: Fault) => {
      const { body: text, headers } = faultBody(service, fault);
      send(fault.status, headers, text);
    };
    if (!state) return fail(FAULTS.unknownKey[service]);
    state.requests[service] = (state.requests[service] ?? 0) + 1;
    if (!(await signatureMatches(req, body, state.secret, auth))) {
      state.signatureRejections++;
      return fail(FAULTS.badSignature[service]);
    }
    if (state.mode === "500") return fail(FAULTS.internal[service]);
    if (state.mode === "throttle") return fail(FAULTS.throttle[service]);
    if (state.mode === "expired") return fail(FAULTS.expired[service]);
    if (state.mode === "garbage")
      return send(200, { "Content-Type": "text/html" }, "<html><body>Sign in</body></html>");
    const answered = answer(service, body, url, state);
    if (!answered) return send(400, { "Content-Type": "text/plain" }, "unexpected request shape");
    send(answered.status ?? 200, answered.headers, answered.body);
  }

  function control(
    url: URL,
    body: string,
    send: (status: number, headers: Record<string, string>, text: string) => void,
  ): void {
    const json = { "Content-Type": "application/json" };
    if (url.pathname === "/__stats") {
      const state = keys.get(url.searchParams.get("accessKeyId") ?? "");
      return send(state ? 200 : 404, json, JSON.stringify(state ?? {}));
    }
    const input = JSON.parse(body || "{}") as {
      accessKeyId: string;
      secretAccessKey?: string;
      mode?: StandinMode;
      cpu?: number;
    };
    if (url.pathname === "/__keys") {
      keys.set(input.accessKeyId, {
        secret: input.secretAccessKey ?? "",
        mode: "ok",
        cpu: 42,
        requests: {},
        signatureRejections: 0,
      });
      return send(204, {}, "");
    }
    const state = keys.get(input.accessKeyId);
    if (url.pathname === "/__mode" && state) {
      if (input.mode) state.mode = input.mode;
      if (input.cpu !== undefined) state.cpu = input.cpu;
      return send(204, {}, "");
    }
    send(404, json, "{}");
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
