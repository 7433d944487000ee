import { describe, expect, inject, it } from "vitest";
import type { SeriesDetection } from "../../schema";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

describe("anomaly detection on Web3 readings", () => {
  it("scores each fresh gas price and block time of a watched network (real anvil)", async () => {
    const ws = await makeWorkspace("anweb3");
    const network = {
      id: "local",
      name: "Local",
      chainId: inject("anvilChainId"),
      rpcUrl: inject("anvilUrl"),
    };
    const added = await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit("POST", network, ws.admin),
    );
    expect(added.status).toBe(201);
    const detection = async (series: string) => {
      const res = await call(`/w/${ws.id}/api/metrics/${series}/detection`, bearer(ws.viewer));
      return res.status === 200
        ? ((await res.json()) as { detection: SeriesDetection }).detection
        : undefined;
    };
    // Adding the network collects it at once; poll until that run has stored its card.
    const until = Date.now() + 15_000;
    let gas = await detection("web3.local.gas");
    while (!gas && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      gas = await detection("web3.local.gas");
    }
    expect(gas).toMatchObject({ enabled: true, points: 1 });
    expect(await detection("web3.local.block-time")).toMatchObject({ points: 1 });
    // The admin can tune these series like any other.
    const put = await call(
      `/w/${ws.id}/api/metrics/web3.local.gas/detection`,
      jsonInit("PUT", { sensitivity: 0.2 }, ws.admin),
    );
    expect(put.status).toBe(200);
  });
});
