import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chainLogo } from "../../schema/chain-logos";
import { ContractReads } from "../helpers/contract";
import { bearer, call, makeWorkspace, type TestWorkspace } from "../helpers/workspace";

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
