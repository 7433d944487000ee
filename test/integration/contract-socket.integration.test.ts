import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONTRACT_TAG, SOCKET_TAG, broadcast } from "../../durable-objects/connections";
import { CONTRACT_FRAME_TYPES, type ServerFrame } from "../../schema";
import { CONTRACT_TYPES, ContractFrame } from "../helpers/contract";
import {
  makeAlert,
  makeDeployment,
  makePipeline,
  seedAlerts,
  seedDeployments,
  seedPipelines,
} from "../helpers/seed";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";
import {
  closeAllSockets,
  collectFrames,
  expectNoFrame,
  isSnapshot,
  openSocket,
  upgradeInit,
  waitForFrame,
  type TestSocket,
} from "../helpers/ws";

afterEach(closeAllSockets);
vi.setConfig({ testTimeout: 20_000 });

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function storeRaw<T extends { id: string }>(
  ws: TestWorkspace,
  kind: string,
  rows: T[],
  key = "",
) {
  await runInDurableObject(ws.stub, (_instance, state) => {
    for (const row of rows)
      state.storage.sql.exec(
        "INSERT INTO records (kind, id, data, sort_key) VALUES (?, ?, ?, ?)",
        kind,
        row.id,
        JSON.stringify(row),
        key || row.id,
      );
  });
}

const activity = (id: string, minutesAgo: number) => ({
  id,
  type: "deployment",
  title: `Deployed ${id}`,
  description: "acme/shop main",
  user: "octocat",
  timestamp: ago(minutesAgo),
  status: "healthy",
});

/** A workspace with something in every list the contract's frames carry. */
async function populated(withPipeline = true): Promise<TestWorkspace> {
  const ws = await makeWorkspace("contract-ws");
  const pushed = await call(
    `/w/${ws.id}/api/metrics/samples`,
    jsonInit(
      "POST",
      { samples: [{ metric: "cpu", label: "CPU", unit: "%", value: 41 }] },
      ws.operator,
    ),
  );
  expect(pushed.status).toBe(202);
  await seedAlerts(ws.stub, [makeAlert({ id: "a-1" })]);
  await seedDeployments(ws.stub, [makeDeployment({ id: "d-1", durationMs: 204_000 })]);
  if (withPipeline)
    await seedPipelines(ws.stub, [
      makePipeline({ id: "run-old", startedAt: ago(30) }),
      makePipeline({ id: "run-new", startedAt: ago(2), status: "running" }),
    ]);
  await storeRaw(ws, "aws-service", [
    {
      id: "ec2.us-east-1",
      name: "EC2",
      status: "healthy",
      instances: 3,
      region: "us-east-1",
      source: "aws",
    },
  ]);
  await storeRaw(ws, "web3-network", [
    {
      id: "eth",
      name: "Ethereum",
      logo: "",
      status: "healthy",
      blockNumber: 21_000_000,
      blockTime: 12,
      tps: 14,
      gasPrice: { slow: 1, average: 2, fast: 3 },
      gasTrend: "up",
      chainId: 1,
      source: "web3",
    },
  ]);
  for (const [id, minutes] of [
    ["act-1", 20],
    ["act-2", 10],
  ] as const)
    await storeRaw(ws, "activity", [activity(id, minutes)], ago(minutes));
  return ws;
}

const contractSocket = (ws: TestWorkspace, query = "") =>
  openSocket(`/w/${ws.id}/ws?frames=contract${query}`, bearer(ws.viewer));

/** The raw frames from index `from`, each checked against the contract's own schema. */
function contractFrames(sock: TestSocket, from = 0) {
  return sock.texts.slice(from).map((text) => {
    const frame = JSON.parse(text) as { seq: number; ts: string };
    return { ...ContractFrame.parse(frame), seq: frame.seq, ts: frame.ts };
  });
}

async function seqOf(ws: TestWorkspace): Promise<number> {
  return (await ws.stub.snapshot()).seq;
}

async function openIncident(ws: TestWorkspace): Promise<void> {
  const res = await call(
    `/w/${ws.id}/api/incidents`,
    jsonInit(
      "POST",
      { alertId: "a-1", title: "Checkout down", description: "5xx", severity: "critical" },
      ws.operator,
    ),
  );
  expect(res.status).toBe(201);
}

describe("?frames=contract: the contract's initial frames", () => {
  it("sends one frame per contract type, in the contract's order, each as the contract shapes it", async () => {
    expect(CONTRACT_FRAME_TYPES).toEqual(CONTRACT_TYPES);
    const ws = await populated();
    const seq = await seqOf(ws);
    const sock = await contractSocket(ws);
    await collectFrames(sock, 7);
    await expectNoFrame(sock, 200);
    const frames = contractFrames(sock);
    expect(frames.map((f) => f.type)).toEqual([...CONTRACT_TYPES]);
    expect(frames.every((f) => f.seq === seq && !Number.isNaN(Date.parse(f.ts)))).toBe(true);
    const byType = Object.fromEntries(frames.map((f) => [f.type, f.payload]));
    // The most recent run, whole; the deployment's duration as a display string.
    expect(byType.pipeline).toMatchObject({ id: "run-new", status: "running" });
    expect(byType.deployments).toMatchObject([{ id: "d-1", duration: "3m 24s" }]);
    expect(byType["web3-networks"]).toMatchObject([{ id: "eth" }]);
    // The whole recent feed, newest first.
    expect(byType.activity).toMatchObject([{ id: "act-2" }, { id: "act-1" }]);
    expect(sock.frames.some(isSnapshot)).toBe(false);
  });

  it("leaves out the pipeline frame while there is no run", async () => {
    const ws = await populated(false);
    const sock = await contractSocket(ws);
    await collectFrames(sock, 6);
    await expectNoFrame(sock, 200);
    expect(contractFrames(sock).map((f) => f.type)).toEqual(
      CONTRACT_TYPES.filter((t) => t !== "pipeline"),
    );
  });

  it("Opsdeck's own client (no parameter, or frames=opsdeck) still gets the single snapshot", async () => {
    const ws = await populated();
    for (const query of ["", "?frames=opsdeck"]) {
      const sock = await openSocket(`/w/${ws.id}/ws${query}`, bearer(ws.viewer));
      await waitForFrame(sock, isSnapshot);
      await expectNoFrame(sock, 200);
      expect(sock.frames.map((f) => f.type)).toEqual(["snapshot"]);
    }
  });
});

describe("?frames=contract: live frames", () => {
  it("activity frames carry the whole feed to contract sockets and only new items to Opsdeck's, same seq", async () => {
    const ws = await populated();
    const contract = await contractSocket(ws);
    const ours = await openSocket(`/w/${ws.id}/ws`, bearer(ws.viewer));
    await collectFrames(contract, 7);
    await waitForFrame(ours, isSnapshot);
    const mark = contract.texts.length;
    await openIncident(ws);

    const mine = await waitForFrame(ours, (f) => f.type === "activity");
    const theirs = await waitForFrame(contract, (f) => f.type === "activity");
    if (mine.type !== "activity" || theirs.type !== "activity") throw new Error("not activity");
    expect(mine.payload.map((i) => i.title)).toEqual(["Incident opened: Checkout down"]);
    expect(theirs.payload.map((i) => i.id)).toEqual([mine.payload[0]!.id, "act-2", "act-1"]);
    expect(theirs.seq).toBe(mine.seq);
    expect(theirs.ts).toBe(mine.ts);
    // Every frame a contract socket got meanwhile is one it can read or a type it ignores.
    const known = contract.texts
      .slice(mark)
      .map((text) => JSON.parse(text) as { type: string })
      .filter((f) => (CONTRACT_TYPES as readonly string[]).includes(f.type));
    expect(known.length).toBeGreaterThan(0);
    for (const frame of known) ContractFrame.parse(frame);
  });

  it("keeps its mode through hibernation", async () => {
    const ws = await populated();
    const contract = await contractSocket(ws);
    await collectFrames(contract, 7);
    await evictDurableObject(ws.stub);
    await openIncident(ws);
    const frame = await waitForFrame(contract, (f) => f.type === "activity");
    if (frame.type !== "activity") throw new Error("not activity");
    expect(frame.payload).toHaveLength(3);
  });

  it("on resume or ?lastSeq= gets the current frames again, never a replay of logged items", async () => {
    const ws = await populated();
    const contract = await contractSocket(ws);
    await collectFrames(contract, 7);
    const before = await seqOf(ws);
    await openIncident(ws);
    await waitForFrame(contract, (f) => f.type === "activity");
    const after = await seqOf(ws);
    expect(after).toBeGreaterThan(before);

    const mark = contract.texts.length;
    contract.send(JSON.stringify({ type: "resume", lastSeq: before }));
    await collectFrames(contract, 7);
    const resumed = contractFrames(contract, mark);
    expect(resumed.map((f) => f.type)).toEqual([...CONTRACT_TYPES]);
    expect(resumed.every((f) => f.seq === after)).toBe(true);
    expect(resumed.at(-1)!.payload).toHaveLength(3);

    const again = await contractSocket(ws, `&lastSeq=${before}`);
    await collectFrames(again, 7);
    await expectNoFrame(again, 200);
    expect(contractFrames(again).map((f) => f.type)).toEqual([...CONTRACT_TYPES]);
  });
});

describe("?frames=: bad input and access", () => {
  it("an unknown mode is a 400 naming the parameter, before the object is touched", async () => {
    const ws = await makeWorkspace("contract-ws");
    for (const value of ["bogus", "", "CONTRACT", "snapshot"]) {
      await evictDurableObject(ws.stub).catch(() => undefined);
      const res = await call(`/w/${ws.id}/ws?frames=${value}`, upgradeInit(bearer(ws.viewer)));
      const problem = (await expectProblem(res, 400, "validation_failed")) as {
        issues?: Array<{ path: string }>;
      };
      expect(problem.issues?.map((i) => i.path)).toEqual(["query.frames"]);
      expect(res.webSocket).toBeNull();
      await expect(evictDurableObject(ws.stub)).rejects.toThrow(/not currently running/);
    }
  });

  it("needs a credential of this workspace like any socket; every role may watch", async () => {
    const ws = await makeWorkspace("contract-ws");
    const other = await makeWorkspace("contract-ws");
    await expectProblem(
      await call(`/w/${ws.id}/ws?frames=contract`, upgradeInit()),
      401,
      "unauthenticated",
    );
    const foreign = await call(`/w/${ws.id}/ws?frames=contract`, upgradeInit(bearer(other.admin)));
    expect([401, 404]).toContain(foreign.status);
    for (const token of [ws.viewer, ws.operator, ws.admin]) {
      const sock = await openSocket(`/w/${ws.id}/ws?frames=contract`, bearer(token));
      await collectFrames(sock, 6);
    }
  });
});

describe("broadcast: each variant serialised once", () => {
  /** Sockets that record what they were sent, tagged as the object tags them. */
  function fakeCtx(modes: Array<"contract" | "opsdeck">) {
    const sent: string[][] = modes.map(() => []);
    const sockets = modes.map((_mode, i) => ({
      readyState: WebSocket.OPEN,
      send: (text: string) => sent[i]!.push(text),
    }));
    const tags = new Map<unknown, string[]>(
      sockets.map((ws, i) => [
        ws,
        modes[i] === "contract" ? [SOCKET_TAG, CONTRACT_TAG] : [SOCKET_TAG],
      ]),
    );
    const ctx = {
      getWebSockets: () => sockets,
      getTags: (ws: unknown) => tags.get(ws) ?? [],
    } as unknown as DurableObjectState;
    return { ctx, sent };
  }

  it("reads the contract variant once for many contract sockets, and not at all without one", () => {
    const frame: ServerFrame = {
      type: "activity",
      payload: [],
      seq: 7,
      ts: new Date().toISOString(),
    };
    const feed = [
      { ...activity("act-1", 1), type: "deployment" as const, status: "healthy" as const },
    ];
    const variant = vi.fn(() => ({ type: "activity" as const, payload: feed }));
    const { ctx, sent } = fakeCtx(["contract", "opsdeck", "contract", "opsdeck", "contract"]);
    broadcast(ctx, frame, variant);
    expect(variant).toHaveBeenCalledTimes(1);
    // Two texts in all: Opsdeck's frame and the contract variant, each made once.
    expect(new Set(sent.flat()).size).toBe(2);
    expect(sent.map((s) => (JSON.parse(s[0]!) as { payload: unknown[] }).payload.length)).toEqual([
      1, 0, 1, 0, 1,
    ]);
    expect(sent.map((s) => JSON.parse(s[0]!).seq)).toEqual([7, 7, 7, 7, 7]);

    const none = vi.fn(() => ({ type: "activity" as const, payload: [] }));
    broadcast(fakeCtx(["opsdeck", "opsdeck"]).ctx, frame, none);
    expect(none).not.toHaveBeenCalled();
  });
});
