import { describe, expect, it } from "vitest";
import {
  contractViews,
  foldReadings,
  withContract,
  withoutContract,
} from "../../durable-objects/domain/watched-contracts";

const A = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const B = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const T1 = new Date("2026-11-20T12:00:00.000Z");
const T2 = new Date("2026-11-20T12:00:15.000Z");

describe("watched contracts: list rules and reading fold", () => {
  it("adds checksummed, refuses a second entry for an address in any case, removes by address", () => {
    const added = withContract([], { address: A.toLowerCase(), label: "Vault" });
    expect(added).toEqual({ ok: true, value: [{ address: A, label: "Vault" }] });
    const again = withContract([{ address: A }], { address: A.toLowerCase() });
    expect(again).toMatchObject({ ok: false, status: 409, code: "conflict" });
    expect(withoutContract([{ address: A }], A.toLowerCase())).toEqual({ ok: true, value: [] });
    expect(withoutContract([], A)).toMatchObject({ ok: false, status: 404 });
  });

  it("keeps the last figures on a failed read, marked with the error, and drops unwatched addresses", () => {
    const first = foldReadings(
      "n",
      [{ address: A }, { address: B }],
      undefined,
      [
        { address: A, codeSize: 10, balanceWei: "5", nonce: 1, blockNumber: 7 },
        { address: B, error: "timeout" },
      ],
      T1,
    );
    expect(first.readings).toEqual([
      {
        address: A,
        codeSize: 10,
        balanceWei: "5",
        nonce: 1,
        blockNumber: 7,
        readAt: T1.toISOString(),
      },
      { address: B, error: "timeout", failedAt: T1.toISOString() },
    ]);
    // B was removed while the RPC calls ran: its read is not stored.
    const second = foldReadings(
      "n",
      [{ address: A }],
      first,
      [
        { address: A, error: "unreachable" },
        { address: B, codeSize: 0, balanceWei: "0", nonce: 0, blockNumber: 8 },
      ],
      T2,
    );
    expect(second.readings).toEqual([
      {
        address: A,
        codeSize: 10,
        balanceWei: "5",
        nonce: 1,
        blockNumber: 7,
        readAt: T1.toISOString(),
        error: "unreachable",
        failedAt: T2.toISOString(),
      },
    ]);
    const [view] = contractViews([{ address: A, label: "Vault" }], second);
    expect(view).toMatchObject({
      label: "Vault",
      isContract: true,
      balance: "0.000000000000000005",
      stale: true,
      readAt: T1.toISOString(),
    });
  });
});
