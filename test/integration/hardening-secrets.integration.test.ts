import { describe, expect, inject, it } from "vitest";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * "No response, log line or page ever includes a secret" (bad-inputs.md): RPC URLs often
 * carry an API key in their path or query, and must surface by host only, even in errors.
 */

const KEY = "k3y-do-not-leak-5f2a9c";

describe("RPC URL secrets", () => {
  it("a failing endpoint's 422 names the host, never the keyed URL", async () => {
    const ws = await makeWorkspace("rpc");
    // Loopback is allowed in tests; the GitHub stand-in is no JSON-RPC server, so the
    // eth_chainId call fails with an error that could quote the URL.
    const standin = inject("githubApiUrl").replace(/\/$/, "");
    const res = await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit(
        "POST",
        { id: "n1", name: "N", chainId: 1, rpcUrl: `${standin}/v2/${KEY}?apikey=${KEY}` },
        ws.admin,
      ),
    );
    const text = await res.clone().text();
    await expectProblem(res, 422, "rpc_verification_failed");
    expect(text).not.toContain(KEY);
  });

  it("a saved keyed URL is shown by host only: networks, pages, audit and /metrics", async () => {
    const ws = await makeWorkspace("rpc");
    const base = inject("anvilUrl").replace(/\/$/, "");
    const rpcUrl = `${base}/?apikey=${KEY}`;
    const added = await call(
      `/w/${ws.id}/api/integrations/networks`,
      jsonInit(
        "POST",
        { id: "local", name: "Local", chainId: inject("anvilChainId"), rpcUrl },
        ws.admin,
      ),
    );
    expect(added.status, await added.clone().text()).toBe(201);
    expect(await added.text()).not.toContain(KEY);
    const login = await call(`/w/${ws.id}/api/session`, jsonInit("POST", { token: ws.admin }));
    const cookie = (login.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    const reads: Array<[string, RequestInit]> = [
      [`/w/${ws.id}/api/integrations/networks`, bearer(ws.admin)],
      [`/w/${ws.id}/api/audit?limit=100`, bearer(ws.admin)],
      [`/w/${ws.id}/api/web3`, bearer(ws.admin)],
      [`/w/${ws.id}/api/status`, bearer(ws.admin)],
      [`/w/${ws.id}/metrics`, bearer(ws.admin)],
      [`/w/${ws.id}`, { headers: { Cookie: cookie } }],
      [`/w/${ws.id}/settings`, { headers: { Cookie: cookie } }],
      [`/w/${ws.id}/networks/local`, { headers: { Cookie: cookie } }],
    ];
    for (const [path, init] of reads) {
      const res = await call(path, { ...init, redirect: "manual" });
      expect(res.status, path).toBeLessThan(500);
      expect(await res.text(), path).not.toContain(KEY);
    }
  });
});
