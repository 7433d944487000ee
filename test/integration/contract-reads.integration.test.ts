import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chainLogo } from "../../schema/chain-logos";
import { ContractReads } from "../helpers/contract";
import {
  bearer,
  call,
  expectProblem,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

/** Writes a record as the collectors (or an older version of them) stored it. */
async function storeRaw(ws: TestWorkspace, kind: string, rows: Array<{ id: string }>) {
  await runInDurableObject(ws.stub, (_instance, state) => {
    for (const row of rows)
      state.storage.sql.exec(
        "INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)",
        kind,
        row.id,
        JSON.stringify(row),
        row.id,
      );
  });
}

async function read(ws: TestWorkspace, path: string): Promise<unknown> {
  const res = await call(`/w/${ws.id}/api/${path}`, bearer(ws.viewer));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

const card = (id: string, logo: string, chainId?: number) => ({
  id,
  name: id,
  logo,
  status: "healthy",
  blockNumber: 1,
  blockTime: 12,
  tps: 1,
  gasPrice: { slow: 1, average: 2, fast: 3 },
  gasTrend: "up",
  ...(chainId !== undefined ? { chainId } : {}),
  source: "web3",
});

describe("GET api/web3: every network has a real logo", () => {
  it("known chains their own mark, others a generic one, configured image URLs kept", async () => {
    const ws = await makeWorkspace("logos");
    await storeRaw(ws, "web3-network", [
      card("a-mainnet", "", 1),
      card("b-polygon", "", 137),
      card("c-local", "", 31337),
      card("d-unknown", "", 999_999),
      card("e-hostile", "javascript:alert(1)", 8453),
      card("f-own", "https://cdn.example/logo.png", 10),
    ]);
    const { networks } = ContractReads.web3.parse(await read(ws, "web3"));
    expect(Object.fromEntries(networks.map((n) => [n.id, n.logo]))).toEqual({
      "a-mainnet": chainLogo(1),
      "b-polygon": chainLogo(137),
      "c-local": chainLogo(31337),
      "d-unknown": chainLogo(undefined),
      "e-hostile": chainLogo(8453),
      "f-own": "https://cdn.example/logo.png",
    });
  });
});

describe("GET /api/health, as the contract names it", () => {
  it("answers like /health, without credentials, never cached", async () => {
    const [plain, api] = await Promise.all([call("/health"), call("/api/health")]);
    for (const res of [plain, api]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
    }
    const a = (await plain.json()) as Record<string, unknown>;
    const b = (await api.json()) as Record<string, unknown>;
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(b).toMatchObject({ status: "ok", service: "opsdeck" });
    expect(Number.isNaN(Date.parse(String(b.time)))).toBe(false);
  });
});

describe("GET api/aws-services?region=&status=", () => {
  const service = (id: string, status: string, region: string) => ({
    id,
    name: id.split(".")[0]!.toUpperCase(),
    status,
    instances: 2,
    region,
    source: "aws",
  });

  async function withServices(): Promise<TestWorkspace> {
    const ws = await makeWorkspace("awsq");
    await storeRaw(ws, "aws-service", [
      service("ec2.us-east-1", "healthy", "us-east-1"),
      service("rds.us-east-1", "warning", "us-east-1"),
      service("ec2.eu-west-1", "warning", "eu-west-1"),
      service("s3.global", "healthy", "global"),
    ]);
    return ws;
  }
  const ids = async (ws: TestWorkspace, query: string) =>
    ContractReads.awsServices
      .parse(await read(ws, `aws-services${query}`))
      .services.map((s) => s.id)
      .sort();

  it("filters by region, status, or both; without filters lists every service", async () => {
    const ws = await withServices();
    expect(await ids(ws, "")).toHaveLength(4);
    expect(await ids(ws, "?region=us-east-1")).toEqual(["ec2.us-east-1", "rds.us-east-1"]);
    expect(await ids(ws, "?status=warning")).toEqual(["ec2.eu-west-1", "rds.us-east-1"]);
    expect(await ids(ws, "?region=us-east-1&status=healthy")).toEqual(["ec2.us-east-1"]);
    expect(await ids(ws, "?region=global")).toEqual(["s3.global"]);
    expect(await ids(ws, "?status=offline")).toEqual([]);
  });

  it.each([
    ["region=mars-1", "query.region"],
    ["region=us-east-1%27", "query.region"],
    ["region=..%2F", "query.region"],
    ["region=", "query.region"],
    ["status=broken", "query.status"],
    ["status=HEALTHY", "query.status"],
  ])("?%s is a 400 naming %s", async (query, path) => {
    const ws = await withServices();
    const res = await call(`/w/${ws.id}/api/aws-services?${query}`, bearer(ws.viewer));
    const problem = (await expectProblem(res, 400, "validation_failed")) as {
      issues?: Array<{ path: string }>;
    };
    expect(problem.issues?.map((i) => i.path)).toEqual([path]);
  });

  it("needs a credential of this workspace", async () => {
    const ws = await withServices();
    const other = await makeWorkspace("awsq");
    await expectProblem(
      await call(`/w/${ws.id}/api/aws-services?status=warning`),
      401,
      "unauthenticated",
    );
    const foreign = await call(`/w/${ws.id}/api/aws-services`, bearer(other.admin));
    expect(foreign.status).toBe(404);
  });
});
