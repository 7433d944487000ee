import { getAddress } from "ethers";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContractsResponse, Web3Network } from "../../schema";
import { startAnvil, type Anvil } from "../peers/anvil";
import { ONE_ETHER, RUNTIME_SIZE, deployTinyContract, rpc, sendEther } from "../peers/evm-fixtures";
import {
  createWorkspace,
  hasChromium,
  launchBrowser,
  signIn,
  waitForConnection,
  type E2eWorkspace,
  type PageProblems,
} from "./helpers/browser";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const OPERATOR = "e2e-web3-operator";
const CARD = '#panel-web3Networks [data-id="local"]';

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function openMenuItem(page: Page, label: string) {
  await page.click(`${CARD} details.menu > summary`);
  await page
    .locator(`${CARD} details.menu[open] .menu-list`)
    .getByText(label, { exact: true })
    .click();
}

function expectClean(problems: PageProblems) {
  expect(problems.errors, "page errors").toEqual([]);
  expect(problems.csp, "CSP violations").toEqual([]);
}

if (!hasChromium) console.warn("ui-web3 e2e skipped: /usr/bin/chromium is missing");

/**
 * The Web3 card's menu end to end against a real chain: anvil registered through the API (a
 * server of its own, since a loopback RPC URL must be allowed), Configure Alerts raising and
 * resolving a live gas-price alert, and View Contracts showing what the collector read.
 */
describe.skipIf(!hasChromium)("Web3 network menu in a real browser, on a real anvil", () => {
  let browser: Browser;
  let server: LoopbackServer;
  let anvil: Anvil;
  let ws: E2eWorkspace;
  let contract: string;
  const api = <T>(path: string, token: string, init: RequestInit = {}) =>
    fetch(`${server.url}/w/${ws.id}/api/${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    }).then((res) => json<T>(res, path));

  beforeAll(async () => {
    // Mining per transaction keeps the base fee (and so the gas card) still during the test.
    anvil = await startAnvil({ blockTime: 0 });
    server = await startLoopbackServer("web3", OPERATOR);
    browser = await launchBrowser();
    ws = await createWorkspace(server.url, OPERATOR, "e2e-web3");
    // Pages show addresses checksummed (EIP-55); the receipt gives them in lower case.
    contract = getAddress(await deployTinyContract(anvil.url));
    await sendEther(anvil.url, contract, ONE_ETHER / 4n);
    await api("integrations/networks", ws.admin, {
      method: "POST",
      body: JSON.stringify({
        id: "local",
        name: "Local anvil",
        chainId: anvil.chainId,
        rpcUrl: anvil.url,
        explorerUrl: "https://explorer.example",
        contracts: [{ address: contract, label: "Tiny vault" }],
      }),
    });
    for (let i = 0; i < 60; i++) {
      await api("refresh", ws.operator, { method: "POST" });
      const { contracts } = await api<ContractsResponse>(
        "integrations/networks/local/contracts",
        ws.viewer,
      );
      if (contracts[0]?.readAt) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await anvil?.stop();
  });

  it("an admin sets a gas alert below the current price, sees it fire live, and clears it", async () => {
    const { networks } = await api<{ networks: Web3Network[] }>("web3", ws.viewer);
    const average = networks[0]!.gasPrice.average;
    // anvil's fee is real, not seeded: at least a fraction of a gwei right after its first blocks.
    expect(average).toBeGreaterThan(0.02);
    const threshold = Math.floor((average / 2) * 100) / 100;

    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, server.url, ws.id, ws.admin);
      await waitForConnection(page, "live");
      await openMenuItem(page, "Configure Alerts…");
      const input = page.locator("#modal #gas-alert-gwei");
      await input.waitFor({ timeout: 10_000 });
      await input.fill(String(threshold));
      await page.click("#modal #gas-alert button[type=submit]");

      // The alert arrives over the socket: no reload.
      const firing = page.locator("#panel-alerts li.row", { hasText: "Gas price" });
      await firing.first().waitFor({ timeout: 15_000 });
      expect(await firing.first().getAttribute("data-status")).toBe("firing");
      expect(await firing.first().textContent()).toContain(`${threshold} gwei`);

      // The dialog redraws with the saved rule; removing it resolves the alert.
      const remove = page.locator("#modal .remove-gas-alert button");
      await remove.waitFor({ timeout: 10_000 });
      await remove.click();
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll("#panel-alerts li.row")).every(
            (row) =>
              !row.textContent?.includes("Gas price") ||
              row.getAttribute("data-status") === "resolved",
          ),
        undefined,
        { timeout: 15_000 },
      );
      const config = await api<{ networks: Array<{ gasAlertGwei?: number }> }>(
        "integrations/networks",
        ws.viewer,
      );
      expect(config.networks[0]!.gasAlertGwei).toBeUndefined();
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("View Contracts shows the watched contract's code size and balance; admins can add one", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, server.url, ws.id, ws.admin);
      await waitForConnection(page, "live");
      await openMenuItem(page, "View Contracts");
      const row = page.locator(`#modal tr[data-address="${contract}"]`);
      await row.waitFor({ timeout: 10_000 });
      const text = (await row.textContent()) ?? "";
      expect(text).toContain("Tiny vault");
      expect(text).toContain(`${RUNTIME_SIZE} bytes`);
      expect(text).toContain("0.25 ether");
      expect(await row.locator("a[href^='https://explorer.example/address/']").count()).toBe(1);

      // An account with no code, added through the form, is read and shown as such.
      const [, other] = await rpc<string[]>(anvil.url, "eth_accounts");
      await page.fill("#modal #contract-address", other!);
      await page.fill("#modal #contract-label", "Dev account");
      await page.click("#modal #add-contract button[type=submit]");
      // Read by the collection the add starts; the open dialog redraws on the live frame.
      const added = page.locator(`#modal tr[data-address="${getAddress(other!)}"]`);
      await added.getByText("no contract: no code at this address").waitFor({ timeout: 20_000 });
      expect(await added.textContent()).toContain("Dev account");
      expectClean(problems);
    } finally {
      await context.close();
    }
  });

  it("a viewer is offered neither Configure Alerts nor the add-contract form", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, server.url, ws.id, ws.viewer);
      await waitForConnection(page, "live");
      await page.click(`${CARD} details.menu > summary`);
      const menu = page.locator(`${CARD} details.menu[open] .menu-list`);
      await menu.getByText("View Contracts", { exact: true }).waitFor();
      expect(await menu.getByText("Configure Alerts…").count()).toBe(0);
      await menu.getByText("View Contracts", { exact: true }).click();
      await page.locator(`#modal tr[data-address="${contract}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator("#modal #add-contract").count()).toBe(0);
      expect(await page.locator("#modal form[data-method=DELETE]").count()).toBe(0);
      expectClean(problems);
    } finally {
      await context.close();
    }
  });
});
