import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { getAddress } from "ethers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEntry, ContractsResponse, NetworkView, Web3Network } from "../../schema";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";
import type { TestWorkspace } from "../helpers/workspace";
import {
  ONE_ETHER,
  RUNTIME_SIZE,
  deployTinyContract,
  randomAddress,
  sendEther,
} from "../peers/evm-fixtures";

const network = (ws: TestWorkspace) => `/w/${ws.id}/api/integrations/networks/local`;
const contractsPath = (ws: TestWorkspace) => `${network(ws)}/contracts`;

async function addLocal(ws: TestWorkspace, extra: Record<string, unknown> = {}) {
  const body = {
    id: "local",
    name: "Local",
    chainId: inject("anvilChainId"),
    rpcUrl: inject("anvilUrl"),
    explorerUrl: "https://explorer.example",
    ...extra,
  };
  return call(`/w/${ws.id}/api/integrations/networks`, jsonInit("POST", body, ws.admin));
}

async function contracts(ws: TestWorkspace, token = ws.viewer): Promise<ContractsResponse> {
  const res = await call(contractsPath(ws), bearer(token));
  expect(res.status).toBe(200);
  return (await res.json()) as ContractsResponse;
}

async function stored(ws: TestWorkspace): Promise<NetworkView> {
  const res = await call(`/w/${ws.id}/api/integrations/networks`, bearer(ws.viewer));
  return ((await res.json()) as { networks: NetworkView[] }).networks[0]!;
}

/** Points the stored network at another RPC URL (sealed as the object seals it). */
async function repoint(ws: TestWorkspace, rpcUrl: string) {
  const box = (await SecretBox.fromSetting(env.SECRETS_KEY))!;
  const sealed = await box.seal(rpcUrl);
  await runInDurableObject(ws.stub, (_i, state) => {
    state.storage.sql.exec(
      "UPDATE records SET data = json_set(data, '$.rpcUrlSealed', ?) WHERE kind = 'evm-network' AND id = 'local'",
      sealed,
    );
  });
}

const refresh = (ws: TestWorkspace) =>
  call(`/w/${ws.id}/api/refresh`, bearer(ws.operator, { method: "POST" }));

describe("watched contracts on a network, read from a real anvil", () => {
  let contract: string;
  let eoa: string;
  beforeAll(async () => {
    contract = await deployTinyContract(inject("anvilUrl"));
    eoa = randomAddress();
    await sendEther(inject("anvilUrl"), eoa, ONE_ETHER);
  });

  it("reads code size, balance and nonce on each collection; a failed read keeps the last figures, marked stale", async () => {
    const ws = await makeWorkspace("contracts");
    expect((await addLocal(ws)).status).toBe(201);
    const set = await call(
      network(ws),
      jsonInit(
        "PATCH",
        { contracts: [{ address: contract.toLowerCase(), label: "Tiny" }, { address: eoa }] },
        ws.admin,
      ),
    );
    expect(set.status).toBe(200);
    const saved = ((await set.json()) as { network: NetworkView }).network;
    // Stored checksummed, whatever case was sent.
    expect(saved.contracts).toEqual([
      { address: getAddress(contract), label: "Tiny" },
      { address: getAddress(eoa) },
    ]);

    // Not read yet: no figures are made up.
    const unread = await contracts(ws);
    expect(unread.explorerUrl).toBe("https://explorer.example");
    expect(unread.contracts[0]).toMatchObject({ address: getAddress(contract), stale: false });
    expect(unread.contracts[0]!.readAt).toBeUndefined();
    expect(unread.contracts[0]!.codeSize).toBeUndefined();

    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    const first = await contracts(ws);
    const [tiny, account] = first.contracts;
    expect(tiny).toMatchObject({
      label: "Tiny",
      codeSize: RUNTIME_SIZE,
      isContract: true,
      balanceWei: "0",
      balance: "0.0",
      stale: false,
    });
    expect(tiny!.readAt).toBeTruthy();
    expect(tiny!.blockNumber).toBeGreaterThan(0);
    expect(account).toMatchObject({
      address: getAddress(eoa),
      codeSize: 0,
      isContract: false,
      balanceWei: ONE_ETHER.toString(),
      balance: "1.0",
      nonce: 0,
      stale: false,
    });

    await sendEther(inject("anvilUrl"), contract, ONE_ETHER / 2n);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await (await refresh(ws)).json()).toEqual({ results: { web3: "ran" } });
    const second = (await contracts(ws)).contracts[0]!;
    expect(second).toMatchObject({ balanceWei: (ONE_ETHER / 2n).toString(), balance: "0.5" });
    expect(second.readAt! > tiny!.readAt!).toBe(true);

    // Unreachable RPC: the figures stay, with the reason and the time they were read.
    await repoint(ws, "http://127.0.0.1:9");
    expect(await (await refresh(ws)).json()).toEqual({ results: { web3: "failed" } });
    const failed = (await contracts(ws)).contracts;
    expect(failed[0]).toMatchObject({
      balance: "0.5",
      codeSize: RUNTIME_SIZE,
      readAt: second.readAt,
      stale: true,
    });
    expect(failed[0]!.error).toBeTruthy();
    expect(failed[0]!.error).not.toContain("127.0.0.1:9/");
    expect(failed[1]).toMatchObject({ balance: "1.0", stale: true });
    const card = (
      (await (await call(`/w/${ws.id}/api/web3`, bearer(ws.viewer))).json()) as {
        networks: Web3Network[];
      }
    ).networks[0]!;
    expect(card.lastError).toBeTruthy();

    // Back on anvil: fresh figures, no longer stale.
    await repoint(ws, inject("anvilUrl"));
    await new Promise((r) => setTimeout(r, 1100));
    expect(await (await refresh(ws)).json()).toEqual({ results: { web3: "ran" } });
    const recovered = (await contracts(ws)).contracts[0]!;
    expect(recovered).toMatchObject({ stale: false, balance: "0.5" });
    expect(recovered.error).toBeUndefined();
  });

  it("adds and removes one contract at a time, audited; the add-network body may carry a list", async () => {
    const ws = await makeWorkspace("contracts");
    const add = await addLocal(ws, { contracts: [{ address: eoa, label: "Treasury" }] });
    expect(add.status).toBe(201);
    expect(((await add.json()) as { network: NetworkView }).network.contracts).toEqual([
      { address: getAddress(eoa), label: "Treasury" },
    ]);
    const key = crypto.randomUUID();
    const post = (token: string) =>
      call(contractsPath(ws), {
        ...jsonInit("POST", { address: contract, label: "Tiny" }, token),
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
          "Idempotency-Key": key,
        },
      });
    const created = await post(ws.admin);
    expect(created.status).toBe(201);
    const replay = await post(ws.admin);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await stored(ws)).contracts.map((c) => c.address)).toEqual([
      getAddress(eoa),
      getAddress(contract),
    ]);
    await runDurableObjectAlarm(ws.stub);
    expect((await contracts(ws)).contracts[1]).toMatchObject({ isContract: true });

    const removed = await call(
      `${contractsPath(ws)}/${getAddress(eoa)}`,
      bearer(ws.admin, { method: "DELETE" }),
    );
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as ContractsResponse).contracts).toHaveLength(1);

    const audit = (await (await call(`/w/${ws.id}/api/audit`, bearer(ws.admin))).json()) as {
      entries: AuditEntry[];
    };
    const actions = audit.entries.map((e) => e.action);
    expect(actions.filter((a) => a === "network.contract.add")).toHaveLength(1);
    expect(actions).toContain("network.contract.remove");

    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = doc.paths["/w/{workspace}/api/integrations/networks/{id}/contracts"];
    expect(Object.keys(documented ?? {}).sort()).toEqual(["get", "post"]);
  });
});

describe("watching contracts starts a collection", () => {
  const alarmAt = (ws: TestWorkspace) =>
    runInDurableObject(ws.stub, (_i, state) => state.storage.getAlarm());

  it("a PATCH that adds an address moves the web3 collection to now; one that only drops one does not", async () => {
    const ws = await makeWorkspace("contracts");
    expect((await addLocal(ws)).status).toBe(201);
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    const patch = (contracts: unknown) =>
      call(network(ws), jsonInit("PATCH", { contracts }, ws.admin));
    const first = randomAddress();

    const idle = await alarmAt(ws);
    expect(idle).toBeGreaterThan(Date.now() + 1000);
    const before = Date.now();
    expect((await patch([{ address: first }])).status).toBe(200);
    expect(await alarmAt(ws)).toBeLessThanOrEqual(Date.now());
    expect(await alarmAt(ws)).toBeGreaterThanOrEqual(before - 1000);

    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    expect((await contracts(ws)).contracts[0]!.readAt).toBeTruthy();
    expect(await alarmAt(ws)).toBeGreaterThan(Date.now() + 1000);
    expect((await patch([])).status).toBe(200);
    expect(await alarmAt(ws)).toBeGreaterThan(Date.now() + 1000);
  });
});

describe("watched contracts: bad input and roles", () => {
  const valid = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

  it("refuses bad lists with the failing field named, and keeps what was stored", async () => {
    const ws = await makeWorkspace("contracts");
    expect((await addLocal(ws, { contracts: [{ address: valid, label: "keep" }] })).status).toBe(
      201,
    );
    const patch = (contracts: unknown) =>
      call(network(ws), jsonInit("PATCH", { contracts }, ws.admin));
    const cases: Array<[unknown, string]> = [
      [
        [{ address: valid }, { address: randomAddress() }, { address: "0x123" }],
        "json.contracts.2.address",
      ],
      [[{ address: "5FbDB2315678afecb367f032d93F642f64180aa3" }], "json.contracts.0.address"],
      // Mixed case with a wrong EIP-55 checksum: most likely a typo.
      [[{ address: "0x5FbDB2315678afecb367f032d93F642f64180aA3" }], "json.contracts.0.address"],
      [[{ address: `${valid}00` }], "json.contracts.0.address"],
      [[{ address: valid }, { address: valid.toLowerCase() }], "json.contracts.1.address"],
      [[{ address: valid, label: "x".repeat(81) }], "json.contracts.0.label"],
      [[{ address: valid, label: "a\u0000b" }], "json.contracts.0.label"],
      [[{ address: valid, abi: "[]" }], "json.contracts.0.abi"],
      [Array.from({ length: 26 }, () => ({ address: randomAddress() })), "json.contracts"],
      ["0x5FbDB2315678afecb367f032d93F642f64180aa3", "json.contracts"],
      [[{ address: 42 }], "json.contracts.0.address"],
    ];
    for (const [list, path] of cases) {
      const problem = (await expectProblem(await patch(list), 400, "validation_failed")) as {
        issues?: Array<{ path: string }>;
      };
      expect(
        problem.issues?.map((i) => i.path),
        JSON.stringify(list).slice(0, 80),
      ).toContain(path);
    }
    expect((await stored(ws)).contracts).toEqual([{ address: valid, label: "keep" }]);

    // One at a time: duplicates conflict, the 26th is refused, bad paths are 400/404.
    await expectProblem(
      await call(contractsPath(ws), jsonInit("POST", { address: valid.toLowerCase() }, ws.admin)),
      409,
      "conflict",
    );
    await expectProblem(
      await call(contractsPath(ws), jsonInit("POST", { address: "0xnothex" }, ws.admin)),
      400,
      "validation_failed",
    );
    const full = Array.from({ length: 25 }, () => ({ address: randomAddress() }));
    expect((await patch(full)).status).toBe(200);
    await expectProblem(
      await call(contractsPath(ws), jsonInit("POST", { address: valid }, ws.admin)),
      422,
      "limit_reached",
    );
    expect((await stored(ws)).contracts).toHaveLength(25);
    await expectProblem(
      await call(`${contractsPath(ws)}/${valid}`, bearer(ws.admin, { method: "DELETE" })),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`${contractsPath(ws)}/not-an-address`, bearer(ws.admin, { method: "DELETE" })),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/integrations/networks/nope/contracts`, bearer(ws.viewer)),
      404,
      "not_found",
    );
    expect((await patch([])).status).toBe(200);
    expect((await contracts(ws)).contracts).toEqual([]);
  });

  it("lets viewers read, and only admins change the list", async () => {
    const ws = await makeWorkspace("contracts");
    expect((await addLocal(ws)).status).toBe(201);
    const body = { contracts: [{ address: valid }] };
    await expectProblem(await call(contractsPath(ws)), 401, "unauthenticated");
    expect((await contracts(ws, ws.viewer)).contracts).toEqual([]);
    for (const token of [ws.viewer, ws.operator]) {
      await expectProblem(
        await call(network(ws), jsonInit("PATCH", body, token)),
        403,
        "forbidden",
      );
      await expectProblem(
        await call(contractsPath(ws), jsonInit("POST", { address: valid }, token)),
        403,
        "forbidden",
      );
      await expectProblem(
        await call(`${contractsPath(ws)}/${valid}`, bearer(token, { method: "DELETE" })),
        403,
        "forbidden",
      );
    }
    await expectProblem(await call(network(ws), jsonInit("PATCH", body)), 401, "unauthenticated");
    await expectProblem(
      await call(contractsPath(ws), jsonInit("POST", { address: valid })),
      401,
      "unauthenticated",
    );
    expect((await stored(ws)).contracts).toEqual([]);
  });
});
