import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Pipeline } from "../../schema";
import { startGithubStandin, type GithubStandin } from "../peers/github-standin";
import type { ControlOp, SeedRepo, StandinState } from "../peers/github-standin-types";
import {
  createWorkspace,
  hasChromium,
  launchBrowser,
  signIn,
  waitForConnection,
  type E2eWorkspace,
} from "./helpers/browser";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

const OPERATOR = "e2e-actions-operator";
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const sha = (c: string) => c.repeat(40);

/** Production: 101 good, then 102 good (current); run 201 failed, run 202 still running. */
function repo(): SeedRepo {
  return {
    name: "shop",
    runs: [
      {
        id: 201,
        name: "CI",
        status: "completed",
        conclusion: "failure",
        head_sha: sha("1"),
        head_branch: "main",
        created_at: ago(3600),
        updated_at: ago(3000),
        jobs: [
          {
            id: 2011,
            name: "test",
            status: "completed",
            conclusion: "failure",
            started_at: ago(3500),
            completed_at: ago(3000),
            log: "2024-05-01T10:00:00.1234567Z npm test\n2024-05-01T10:00:09.9990000Z ##[error]Process completed with exit code 1.\n",
          },
        ],
      },
      {
        id: 202,
        name: "Deploy",
        status: "in_progress",
        head_sha: sha("2"),
        head_branch: "main",
        created_at: ago(120),
        jobs: [{ id: 2021, name: "build", status: "in_progress", started_at: ago(100) }],
      },
    ],
    deployments: [
      {
        id: 101,
        sha: sha("a"),
        ref: "main",
        environment: "production",
        created_at: ago(7200),
        statuses: [{ state: "success", created_at: ago(7100) }],
      },
      {
        id: 102,
        sha: sha("b"),
        ref: "main",
        environment: "production",
        created_at: ago(3600),
        statuses: [{ state: "success", created_at: ago(3500) }],
      },
    ],
  };
}

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

if (!hasChromium) console.warn("ui-actions e2e skipped: /usr/bin/chromium is missing");

/**
 * The provider actions end to end: the page's buttons → Opsdeck's API → the GitHub stand-in
 * (GitHub's REST shapes, checked against its OpenAPI description). A server of its own,
 * because saving a loopback GitHub API URL must be allowed here.
 */
describe.skipIf(!hasChromium)("rollback and re-run from the dashboard, through GitHub", () => {
  let browser: Browser;
  let server: LoopbackServer;
  let github: GithubStandin;
  let ws: E2eWorkspace;
  const owner = `acme-${crypto.randomUUID().slice(0, 8)}`;
  const token = `ghp_${crypto.randomUUID().replaceAll("-", "")}`;
  const control = async (op: ControlOp) =>
    json<StandinState>(
      await fetch(`${github.url}/__control/${owner}`, { method: "POST", body: JSON.stringify(op) }),
      `stand-in ${op.op}`,
    );
  const calls = async () =>
    (
      await json<StandinState>(await fetch(`${github.url}/__control/${owner}`), "stand-in state")
    ).calls.map((c) => `${c.method} ${c.path}`);
  const api = async <T>(path: string, init: RequestInit = {}) =>
    json<T>(
      await fetch(`${server.url}/w/${ws.id}/api/${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      }),
      path,
    );

  beforeAll(async () => {
    github = await startGithubStandin();
    server = await startLoopbackServer("actions", OPERATOR);
    browser = await launchBrowser();
    ws = await createWorkspace(server.url, OPERATOR, "e2e-actions");
    await control({ op: "seed", token, repos: [repo()] });
    await api("integrations/github", {
      method: "PUT",
      body: JSON.stringify({ token, owner, repositories: ["shop"], apiUrl: github.url }),
    });
    for (let i = 0; i < 60; i++) {
      await api("refresh", { method: "POST" });
      const { deployments } = await api<{ deployments: Deployment[] }>("deployments");
      const { pipelines } = await api<{ pipelines: Pipeline[] }>("pipelines");
      if (deployments.length >= 2 && pipelines.length >= 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await github?.stop();
  });

  async function menuAction(page: Page, scope: string, label: string, confirm: boolean) {
    await page.click(`${scope} details.menu > summary`);
    await page
      .locator(`${scope} details.menu[open] .menu-list`)
      .getByText(label, { exact: true })
      .click();
    if (confirm) await page.click(`${scope} details.menu[open] button:text('Press again')`);
    const note = page.locator(`${scope} .row-note`);
    await note.waitFor({ timeout: 10_000 });
    return { ok: await note.getAttribute("data-ok"), text: (await note.textContent()) ?? "" };
  }

  it("rolls production back and re-runs a failed run; each press reaches GitHub once", async () => {
    const { deployments } = await api<{ deployments: Deployment[] }>("deployments");
    const { pipelines } = await api<{ pipelines: Pipeline[] }>("pipelines");
    const current = deployments.find((d) => d.commit === sha("b"))!;
    const failed = pipelines.find((p) => p.status === "failed")!;
    const running = pipelines.find((p) => p.status === "running")!;
    expect(current && failed && running).toBeTruthy();

    const context = await browser.newContext();
    try {
      const { page, problems } = await signIn(context, server.url, ws.id, ws.operator);
      await waitForConnection(page, "live");
      // First the failed stage's log, read through Opsdeck, in the run's dialog.
      await page.click(`#panel-pipelines [data-id="${failed.id}"] a.title`);
      await page.waitForSelector("#modal[open] button[data-action=stage-logs]");
      await page.click("#modal button[data-action=stage-logs]");
      await page.waitForFunction(
        () => document.querySelector("#modal .logs")?.textContent?.includes("exit code 1"),
        undefined,
        { timeout: 10_000 },
      );
      await page.keyboard.press("Escape");
      const before = (await calls()).length;

      const rollback = await menuAction(
        page,
        `#panel-deployments [data-id="${current.id}"]`,
        "Rollback",
        true,
      );
      expect(rollback).toEqual({ ok: "true", text: "Rollback started." });
      const rerun = await menuAction(
        page,
        `#panel-pipelines [data-id="${failed.id}"]`,
        "Re-run",
        false,
      );
      expect(rerun).toEqual({ ok: "true", text: "Re-run requested." });
      const cancel = await menuAction(
        page,
        `#panel-pipelines [data-id="${running.id}"]`,
        "Cancel",
        true,
      );
      expect(cancel.ok).toBe("true");

      const made = (await calls()).slice(before).filter((c) => !c.startsWith("GET"));
      console.log("GitHub calls from the page:", made);
      expect(made.filter((c) => c.endsWith("/deployments") && c.startsWith("POST"))).toHaveLength(
        1,
      );
      expect(made.filter((c) => c.includes("/actions/runs/201/rerun"))).toHaveLength(1);
      expect(made.filter((c) => c.includes("/actions/runs/202/cancel"))).toHaveLength(1);

      expect(problems.errors).toEqual([]);
      expect(problems.csp).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
