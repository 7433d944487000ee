import { runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { Alert, Web3Network } from "../../schema";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

const path = (ws: TestWorkspace, id = "local") => `/w/${ws.id}/api/integrations/networks/${id}`;

async function gasAlerts(ws: TestWorkspace) {
  const { alerts } = (await (await call(`/w/${ws.id}/api/alerts`, bearer(ws.viewer))).json()) as {
    alerts: Alert[];
  };
  return alerts.filter((a) => a.fingerprint === "gas:local");
}

/** A network whose current card reads `average` gwei (set directly; anvil's gas is near zero). */
async function networkAt(average: number): Promise<TestWorkspace> {
  const ws = await makeWorkspace("gas");
  const body = {
    id: "local",
    name: "Local",
    chainId: inject("anvilChainId"),
    rpcUrl: inject("anvilUrl"),
  };
  expect(
    (await call(`/w/${ws.id}/api/integrations/networks`, jsonInit("POST", body, ws.admin))).status,
  ).toBe(201);
  await runInDurableObject(ws.stub, (_i, state) => {
    const card: Web3Network = {
      id: "local",
      name: "Local",
      logo: "",
      status: "healthy",
      blockNumber: 1,
      blockTime: 1,
      tps: 0,
      gasPrice: { slow: average, average, fast: average },
      gasTrend: "up",
      source: "web3",
      updatedAt: new Date().toISOString(),
    };
    state.storage.sql.exec(
      "INSERT OR REPLACE INTO records (kind, id, data, sort_key) VALUES ('web3-network', 'local', ?, 'local')",
      JSON.stringify(card),
    );
  });
  return ws;
}

describe("gas-price alert rule on a watched network (Configure Alerts)", () => {
  it("raises one alert when the rule is set under the current price and resolves it when raised above", async () => {
    const ws = await networkAt(50);
    const set = await call(path(ws), jsonInit("PATCH", { gasAlertGwei: 10 }, ws.admin));
    expect(set.status).toBe(200);
    expect(((await set.json()) as { network: { gasAlertGwei: number } }).network.gasAlertGwei).toBe(
      10,
    );
    const firing = await gasAlerts(ws);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ status: "firing", severity: "warning" });
    await call(path(ws), jsonInit("PATCH", { gasAlertGwei: 20 }, ws.admin));
    expect(await gasAlerts(ws)).toHaveLength(1);
    await call(path(ws), jsonInit("PATCH", { gasAlertGwei: null }, ws.admin));
    const resolved = await gasAlerts(ws);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.status).toBe("resolved");
    const list = (await (
      await call(`/w/${ws.id}/api/integrations/networks`, bearer(ws.viewer))
    ).json()) as {
      networks: Array<{ gasAlertGwei?: number }>;
    };
    expect(list.networks[0]!.gasAlertGwei).toBeUndefined();
  });

  it("refuses bad input, unknown networks and callers below admin", async () => {
    const ws = await networkAt(1);
    await expectProblem(
      await call(path(ws), jsonInit("PATCH", { gasAlertGwei: -1 }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(path(ws), jsonInit("PATCH", { gasAlertGwei: "5" }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(path(ws), jsonInit("PATCH", { rpcUrl: "https://x.example" }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(path(ws, "nope"), jsonInit("PATCH", { gasAlertGwei: 5 }, ws.admin)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(path(ws), jsonInit("PATCH", { gasAlertGwei: 5 }, ws.operator)),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(path(ws), jsonInit("PATCH", { gasAlertGwei: 5 })),
      401,
      "unauthenticated",
    );
  });
});
