import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { SourceStatus, Web3Network } from "../../schema";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";
import type { ProxyMode } from "../peers/flaky-proxy";

const setMode = (mode: ProxyMode) =>
  fetch(`${inject("flakyRpcUrl")}/__mode`, { method: "POST", body: JSON.stringify({ mode }) });

async function web3(id: string, token: string) {
  const res = await call(`/w/${id}/api/web3`, bearer(token));
  return ((await res.json()) as { networks: Web3Network[] }).networks;
}

async function source(id: string, token: string, name: string) {
  const res = await call(`/w/${id}/api/status`, bearer(token));
  return ((await res.json()) as { sources: SourceStatus[] }).sources.find((s) => s.id === name)!;
}

describe("Web3 networks: configuration and collection on the alarm", () => {
  afterEach(async () => {
    await setMode("ok");
  });

  it("verifies the RPC endpoint, then collects live chain state on the alarm", async () => {
    const ws = await makeWorkspace();
    expect(await web3(ws.id, ws.viewer)).toEqual([]);
    expect((await source(ws.id, ws.viewer, "web3")).status).toBe("not_configured");
    const add = await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit(
        "POST",
        { id: "local", name: "Local", chainId: inject("anvilChainId"), rpcUrl: inject("anvilUrl") },
        ws.admin,
      ),
    );
    expect(add.status).toBe(201);
    const added = await add.text();
    expect(added).not.toContain(inject("anvilUrl"));
    expect((await source(ws.id, ws.viewer, "web3")).status).toBe("pending");
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    const [card] = await web3(ws.id, ws.viewer);
    expect(card).toMatchObject({ id: "local", name: "Local", status: "healthy", source: "web3" });
    expect(card!.blockNumber).toBeGreaterThan(0);
    expect((await source(ws.id, ws.viewer, "web3")).status).toBe("live");
    // The sealed URL never sits in storage in clear.
    const stored = await runInDurableObject(ws.stub, (_i, state) =>
      JSON.stringify(
        state.storage.sql.exec("SELECT data FROM records WHERE kind = 'evm-network'").toArray(),
      ),
    );
    expect(stored).not.toContain(inject("anvilUrl"));
  });

  it("refuses URLs the policy forbids and endpoints that do not verify", async () => {
    const ws = await makeWorkspace();
    const add = (body: Record<string, unknown>) =>
      call(
        `/w/${ws.id}/api/integrations/networks`,
        jsonInit("POST", { id: "n1", name: "N", chainId: 1, ...body }, ws.admin),
      );
    await expectProblem(await add({ rpcUrl: "https://10.0.0.5" }), 400, "url_not_allowed");
    await expectProblem(await add({ rpcUrl: "file:///etc/passwd" }), 400, "url_not_allowed");
    await expectProblem(
      await add({ rpcUrl: inject("anvilUrl"), chainId: 1 }),
      422,
      "rpc_verification_failed",
    );
    await setMode("garbage");
    await expectProblem(
      await add({ rpcUrl: inject("flakyRpcUrl"), chainId: inject("anvilChainId") }),
      422,
      "rpc_verification_failed",
    );
    await setMode("redirect");
    await expectProblem(
      await add({ rpcUrl: inject("flakyRpcUrl"), chainId: inject("anvilChainId") }),
      422,
      "rpc_verification_failed",
    );
    await setMode("huge");
    await expectProblem(
      await add({ rpcUrl: inject("flakyRpcUrl"), chainId: inject("anvilChainId") }),
      422,
      "rpc_verification_failed",
    );
    await expectProblem(
      await add({ preset: "dogecoin", rpcUrl: inject("anvilUrl") }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await add({ rpcUrl: inject("anvilUrl"), chainId: undefined, name: undefined }),
      400,
      "validation_failed",
    );
    const list = (await (
      await call(`/w/${ws.id}/api/integrations/networks`, bearer(ws.viewer))
    ).json()) as { networks: unknown[] };
    expect(list.networks).toEqual([]);
  });

  it("isolates a failing endpoint: last good data stays, the source says why, and it recovers", async () => {
    const ws = await makeWorkspace();
    await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit(
        "POST",
        {
          id: "flaky",
          name: "Flaky",
          chainId: inject("anvilChainId"),
          rpcUrl: inject("flakyRpcUrl"),
        },
        ws.admin,
      ),
    );
    await runDurableObjectAlarm(ws.stub);
    const [good] = await web3(ws.id, ws.viewer);
    expect(good!.blockNumber).toBeGreaterThan(0);

    await setMode("500");
    const refreshed = await call(
      `/w/${ws.id}/api/refresh`,
      bearer(ws.operator, { method: "POST" }),
    );
    expect(await refreshed.json()).toEqual({ results: { web3: "failed" } });
    const [kept] = await web3(ws.id, ws.viewer);
    expect(kept).toMatchObject({ blockNumber: good!.blockNumber, updatedAt: good!.updatedAt });
    expect(kept!.lastError).toBeTruthy();
    expect(kept!.lastError).not.toContain(inject("flakyRpcUrl"));
    const failing = await source(ws.id, ws.viewer, "web3");
    expect(failing).toMatchObject({ status: "stale", lastSuccessAt: good!.updatedAt });
    expect(failing.lastError).toBeTruthy();

    await setMode("ok");
    await new Promise((r) => setTimeout(r, 1100));
    await call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }));
    const [recovered] = await web3(ws.id, ws.viewer);
    expect(recovered!.blockNumber).toBeGreaterThan(good!.blockNumber);
    expect(recovered!.lastError).toBeUndefined();
    expect((await source(ws.id, ws.viewer, "web3")).status).toBe("live");
  });

  it("requires admin to configure and operator to refresh", async () => {
    const ws = await makeWorkspace();
    const body = { id: "x", name: "X", chainId: 1, rpcUrl: "https://rpc.example.com" };
    await expectProblem(
      await call(`/w/${ws.id}/api/integrations/networks`, jsonInit("POST", body, ws.operator)),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/refresh`, bearer(ws.viewer, { method: "POST" })),
      403,
      "forbidden",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/collection/intervals`, jsonInit("PUT", { web3: 1 }, ws.admin)),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(
        `/w/${ws.id}/api/integrations/networks/nope`,
        bearer(ws.admin, { method: "DELETE" }),
      ),
      404,
      "not_found",
    );
    const put = await call(
      `/w/${ws.id}/api/collection/intervals`,
      jsonInit("PUT", { web3: 20 }, ws.admin),
    );
    expect(
      ((await put.json()) as { intervals: { web3: number; metrics: number } }).intervals,
    ).toMatchObject({ web3: 20, metrics: 30 });
  });
});
