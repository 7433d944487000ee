import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { ContractView, NetworkView, Role } from "../../schema";
import { ContractsView, explorerAddressUrl } from "../../web/pages/contracts";

const NOW = Date.parse("2026-11-20T12:00:00.000Z");
const XSS = `"><img src=x onerror=alert(1)><script>alert(1)</script>`;
const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

const config: NetworkView = {
  id: "local",
  name: `Local ${XSS}`,
  chainId: 31337,
  rpcHost: "127.0.0.1:8545",
  contracts: [{ address: ADDRESS, label: XSS }],
  addedAt: "2026-11-20T11:00:00.000Z",
  addedBy: "admin",
};

const read: ContractView = {
  address: ADDRESS,
  label: XSS,
  codeSize: 10,
  isContract: true,
  balanceWei: "500000000000000000",
  balance: "0.5",
  nonce: 1,
  blockNumber: 42,
  readAt: "2026-11-20T11:59:30.000Z",
  stale: true,
  error: `unreachable ${XSS}`,
};

const page = (role: Role, contracts: ContractView[], explorerUrl?: string) =>
  render(ContractsView({ workspace: "demo", config, contracts, explorerUrl, role, now: NOW }));

describe("View Contracts", () => {
  it("shows readings with their age, stale reads with the reason, everything escaped", () => {
    const html = page("admin", [read], "https://etherscan.io");
    expect(html).toContain("10 bytes");
    expect(html).toContain("0.5 ether");
    expect(html).toContain("30 s ago");
    expect(html).toContain("stale: the last read failed");
    expect(html).toContain(`href="https://etherscan.io/address/${ADDRESS}"`);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain('id="add-contract"');
    expect(html).toContain(
      `data-api="/w/demo/api/integrations/networks/local/contracts/${ADDRESS}"`,
    );
  });

  it("says when an address holds no code, and when nothing has been read yet", () => {
    const eoa = page("viewer", [
      { ...read, codeSize: 0, isContract: false, stale: false, error: undefined },
      { address: ADDRESS.toLowerCase(), stale: false },
    ]);
    expect(eoa).toContain("no contract: no code at this address");
    expect(eoa).toContain("not read yet");
  });

  it("is read-only for viewers, and its empty state says how to add one", () => {
    const viewer = page("viewer", [read]);
    expect(viewer).not.toContain("add-contract");
    expect(viewer).not.toContain('data-method="DELETE"');
    expect(page("viewer", [])).toContain("An admin can add one");
    expect(page("admin", [])).toContain("Add one below");
  });

  it("builds explorer links only for http(s) explorers, the address as one encoded segment", () => {
    expect(explorerAddressUrl("javascript:alert(1)", ADDRESS)).toBeUndefined();
    expect(explorerAddressUrl(undefined, ADDRESS)).toBeUndefined();
    expect(explorerAddressUrl("https://scan.example/base/?q=1", "a/../b?c")).toBe(
      "https://scan.example/base/address/a%2F..%2Fb%3Fc?q=1",
    );
    expect(page("admin", [read], "javascript:alert(1)")).not.toContain("javascript:");
  });
});
