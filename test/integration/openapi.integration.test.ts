import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { OPERATOR, call, makeWorkspace } from "../helpers/workspace";

type Parameter = { name: string; in: string; schema?: { enum?: string[] } };
type Operation = {
  summary?: string;
  security?: unknown;
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Document = {
  openapi: string;
  security?: unknown;
  components?: { securitySchemes?: Record<string, unknown> };
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
};

async function document(): Promise<Document> {
  const res = await call("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  return JSON.parse(await res.text()) as Document;
}

/** Every issue-2 route, as the document must list it. */
const ROUTES: Array<[string, string]> = [
  ["get", "/health"],
  ["get", "/w/{workspace}/metrics"],
  ["get", "/w/{workspace}/api/metrics"],
  ["get", "/w/{workspace}/api/charts/{metricId}"],
  ["post", "/w/{workspace}/api/metrics/samples"],
  ["get", "/w/{workspace}/api/alerts"],
  ["get", "/w/{workspace}/api/incidents"],
  ["get", "/w/{workspace}/api/deployments"],
  ["get", "/w/{workspace}/api/pipelines"],
  ["get", "/w/{workspace}/api/pipeline/{id}"],
  ["get", "/w/{workspace}/api/security"],
  ["get", "/w/{workspace}/api/aws-services"],
  ["get", "/w/{workspace}/api/web3"],
  ["get", "/w/{workspace}/api/activity"],
  ["get", "/w/{workspace}/api/settings"],
  ["put", "/w/{workspace}/api/settings"],
  ["get", "/w/{workspace}/api/status"],
  ["get", "/w/{workspace}/api/audit"],
];

describe("GET /openapi.json (ENVIRONMENT=test: open)", () => {
  it("is an OpenAPI 3.1 document listing every route with its path parameters", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Opsdeck API");
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    for (const [method, path] of ROUTES) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(operation!.summary).toBeTruthy();
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        const param = name.slice(1, -1);
        expect(
          operation!.parameters?.some((p) => p.in === "path" && p.name === param),
          `${path} declares ${param}`,
        ).toBe(true);
      }
    }
    expect(doc.paths["/health"]!.get).toMatchObject({ security: [] });
    // No Express-style paths leak into the document.
    expect(Object.keys(doc.paths).filter((p) => p.includes(":"))).toEqual([]);
  });

  it("documents the contract's query parameters and their enums", async () => {
    const doc = await document();
    const query = (path: string) =>
      Object.fromEntries(
        (doc.paths[`/w/{workspace}/api${path}`]!.get!.parameters ?? [])
          .filter((p) => p.in === "query")
          .map((p) => [p.name, p.schema?.enum]),
      );
    expect(query("/metrics")).toEqual({ timeRange: ["1h", "24h", "7d", "30d"] });
    expect(query("/charts/{metricId}")).toEqual({ timeRange: ["1h", "24h", "7d", "30d"] });
    expect(query("/deployments")).toEqual({
      environment: ["production", "staging", "preview"],
      limit: undefined,
    });
    expect(query("/incidents")).toEqual({
      status: ["open", "resolved"],
      severity: ["info", "warning", "error", "critical"],
    });
    expect(query("/security")).toEqual({ status: ["passed", "failed"], limit: undefined });
    expect(query("/activity")).toEqual({ limit: undefined });
  });

  it("documents the envelopes, including each list's sources", async () => {
    const doc = await document();
    const envelope = (path: string) => {
      const schema = doc.paths[`/w/{workspace}/api${path}`]!.get!.responses["200"]!.content![
        "application/json"
      ]!.schema as { properties: Record<string, unknown> };
      return Object.keys(schema.properties).sort();
    };
    expect(envelope("/metrics")).toEqual(["metrics", "sources"]);
    expect(envelope("/alerts")).toEqual(["alerts", "sources"]);
    expect(envelope("/deployments")).toEqual(["deployments", "sources"]);
    expect(envelope("/security")).toEqual(["scans", "sources"]);
    expect(envelope("/aws-services")).toEqual(["services", "sources"]);
    expect(envelope("/web3")).toEqual(["networks", "sources"]);
    expect(envelope("/activity")).toEqual(["activities", "sources"]);
    expect(envelope("/pipeline/{id}")).toEqual(["pipeline"]);
    expect(envelope("/charts/{metricId}")).toEqual(["data"]);
    expect(envelope("/settings")).toEqual(["settings"]);
    const prometheus = doc.paths["/w/{workspace}/metrics"]!.get!.responses["200"]!.content!;
    expect(Object.keys(prometheus)).toEqual(["text/plain; version=0.0.4; charset=utf-8"]);
  });

  it("never documents a secret's value as readable", async () => {
    const doc = await document();
    const settings = JSON.stringify(doc.paths["/w/{workspace}/api/settings"]!.get!.responses);
    expect(settings).toContain("tokenSet");
    expect(settings).not.toMatch(/"token"|"secretKey"|"accessKey"|"webhookUrl"/);
  });
});

describe("openapiGuard in production", () => {
  const production = { ...env, ENVIRONMENT: "production", OPENAPI_PUBLIC: "false" };
  const get = (bindings: Env, headers: Record<string, string> = {}) =>
    app.request("/openapi.json", { headers }, bindings);

  it("401 without the operator credential, or with any other token", async () => {
    const anonymous = await get(production);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect(((await anonymous.json()) as { code: string }).code).toBe("unauthenticated");
    expect((await get(production, { Authorization: "Bearer wrong" })).status).toBe(401);
    const ws = await makeWorkspace("openapi");
    expect((await get(production, { Authorization: `Bearer ${ws.admin}` })).status).toBe(401);
  });

  it("200 with the operator credential", async () => {
    const res = await get(production, { Authorization: `Bearer ${OPERATOR}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Document).openapi).toBe("3.1.0");
  });

  it("open when OPENAPI_PUBLIC is 'true', or outside production", async () => {
    expect((await get({ ...production, OPENAPI_PUBLIC: "true" })).status).toBe(200);
    expect((await get({ ...production, ENVIRONMENT: "development" })).status).toBe(200);
    expect((await get({ ...production, OPENAPI_PUBLIC: "TRUE" })).status).toBe(401);
  });

  it("503 in production when no operator credential is configured (never silently open)", async () => {
    const res = await get({ ...production, OPERATOR_TOKEN: "" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("operator_token_missing");
  });
});

describe("the document follows the dashboard contract's additions", () => {
  type Schema = {
    type?: string | string[];
    properties?: Record<string, Schema>;
    items?: Schema;
    anyOf?: Schema[];
    oneOf?: Schema[];
    enum?: unknown[];
    required?: string[];
    $ref?: string;
  };
  const ok = (doc: Document, path: string, method = "get") =>
    doc.paths[path]![method]!.responses["200"]!.content!["application/json"]!.schema as Schema;
  /** The type names a schema allows, through anyOf/oneOf. */
  const types = (s: Schema | undefined): string[] =>
    s === undefined
      ? []
      : [
          ...(s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]),
          ...(s.anyOf ?? s.oneOf ?? []).flatMap(types),
        ];

  it("says where the socket is and how to ask for the contract's frames", async () => {
    const doc = (await document()) as Document & { info: { description?: string } };
    expect(doc.info.description).toContain("/w/{workspace}/ws");
    expect(doc.info.description).toContain("?frames=opsdeck|contract");
  });

  it("documents GET /api/health like /health, without security", async () => {
    const doc = await document();
    expect(doc.paths["/api/health"]!.get).toMatchObject({ security: [] });
    expect(ok(doc, "/api/health")).toEqual(ok(doc, "/health"));
  });

  it("documents the aws-services filters", async () => {
    const doc = await document();
    const params = doc.paths["/w/{workspace}/api/aws-services"]!.get!.parameters ?? [];
    const query = Object.fromEntries(
      params.filter((p) => p.in === "query").map((p) => [p.name, p]),
    );
    expect(Object.keys(query).sort()).toEqual(["region", "status"]);
    expect(query.status!.schema?.enum).toEqual(["healthy", "warning", "critical", "offline"]);
  });

  it("documents durations as strings with durationMs, and incidents with the Alert fields", async () => {
    const doc = await document();
    const deployment = ok(doc, "/w/{workspace}/api/deployments").properties!.deployments!.items!;
    expect(types(deployment.properties!.duration)).toEqual(["string"]);
    expect(types(deployment.properties!.durationMs)).toEqual(["number"]);
    const stage = ok(doc, "/w/{workspace}/api/pipeline/{id}").properties!.pipeline!.properties!
      .stages!.items!;
    expect(types(stage.properties!.duration)).toEqual(["string"]);
    const incident = ok(doc, "/w/{workspace}/api/incidents").properties!.incidents!.items!;
    for (const field of ["message", "timestamp", "acknowledged", "source"])
      expect(incident.required, field).toContain(field);
  });

  it("documents the contract's settings body: a switch as a boolean or its target as text", async () => {
    const doc = await document();
    const put = doc.paths["/w/{workspace}/api/settings"]!.put as Operation & {
      requestBody: { content: Record<string, { schema: Schema }> };
    };
    const body = put.requestBody.content["application/json"]!.schema;
    const notifications = body.properties!.notifications!;
    for (const name of ["email", "slack", "webhook"])
      expect([...new Set(types(notifications.properties![name]))].sort(), name).toEqual([
        "boolean",
        "string",
      ]);
  });
});
