// The README's collector guides (GitHub Actions and deployments, AWS, Web3 networks), their
// `curl` examples run as written against a server of their own, where loopback URLs are allowed
// so the collectors reach the local stand-ins (GitHub, AWS with SigV4 checks) and anvil instead
// of the internet. The one step the README does not show is pointing each collector at its
// stand-in: the GitHub API URL (as for GitHub Enterprise Server) and the AWS endpoints (kept
// when a later save omits them), set before the README's call.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { freePort } from "../../scripts/lib/dev-server.mjs";
import type {
  AwsIntegration,
  AwsService,
  Deployment,
  GithubIntegrationView,
  NetworkView,
  Pipeline,
  SourceStatus,
  Web3Network,
} from "../../schema";
import { startAnvil, type Anvil } from "../peers/anvil";
import { startAwsStandin } from "../peers/aws-standin";
import { startGithubStandin, type GithubStandin } from "../peers/github-standin";
import type { ControlOp, SeedRepo } from "../peers/github-standin-types";
import { documentedAnswer, snippet } from "../helpers/readme-snippets";
import { eventually } from "./helpers/eventually";
import { createWorkspace, type E2eWorkspace } from "./helpers/browser";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";
import { startLoopbackServer, type LoopbackServer } from "./helpers/loopback-server";

type Problem = { status: number; code: string; detail: string };

const OPERATOR = "e2e-readme-collectors-operator";
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** One repository with a finished run and a production deployment. */
const REPO: SeedRepo = {
  name: "shop",
  runs: [
    {
      id: 4101,
      name: "CI",
      status: "completed",
      conclusion: "success",
      head_sha: "a".repeat(40),
      head_branch: "main",
      created_at: ago(600),
      updated_at: ago(500),
      jobs: [
        {
          id: 41011,
          name: "test",
          status: "completed",
          conclusion: "success",
          started_at: ago(590),
          completed_at: ago(510),
        },
      ],
    },
  ],
  deployments: [
    {
      id: 4201,
      sha: "b".repeat(40),
      ref: "main",
      environment: "production",
      created_at: ago(400),
      statuses: [{ state: "success", created_at: ago(390) }],
    },
  ],
};

describe("README: collectors, run against the stand-ins", () => {
  let server: LoopbackServer;
  let github: GithubStandin;
  let aws: { url: string; stop: () => Promise<void> };
  let mainnet: Anvil;
  let otherChain: Anvil;
  let ws: E2eWorkspace;

  const api = async <T>(what: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${server.url}/w/${ws.id}/api/${what}`, {
      method: init.method ?? "GET",
      headers: { Authorization: `Bearer ${ws.admin}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const source = async (id: string) =>
    (await api<{ sources: SourceStatus[] }>("status")).sources.find((s) => s.id === id)!;
  const common = () => ({ OPSDECK_URL: server.url, WORKSPACE: ws.id, ADMIN_TOKEN: ws.admin });

  beforeAll(async () => {
    [github, aws, mainnet, otherChain] = await Promise.all([
      startGithubStandin(),
      startAwsStandin(),
      startAnvil({ blockTime: 1, chainId: 1 }),
      startAnvil({ blockTime: 0 }),
    ]);
    server = await startLoopbackServer("readme-collectors", OPERATOR);
    ws = await createWorkspace(server.url, OPERATOR, "readme-collect");
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.stop(), aws?.stop(), mainnet?.stop(), otherChain?.stop()]);
  });

  describe("GitHub Actions and deployments", () => {
    const owner = `acme-${crypto.randomUUID().slice(0, 8)}`;
    const token = `github_pat_${crypto.randomUUID().replaceAll("-", "")}`;
    const control = (op: ControlOp) =>
      fetch(`${github.url}/__control/${owner}`, { method: "POST", body: JSON.stringify(op) });
    const configure = async (githubToken: string) =>
      printedJson<{ success: boolean; integration: GithubIntegrationView }>(
        await runShellSnippet(snippet("github-collector", "sh"), {
          ...common(),
          GITHUB_TOKEN: githubToken,
          GITHUB_OWNER: owner,
          GITHUB_REPO: "shop",
        }),
      );

    beforeAll(async () => {
      await control({ op: "seed", token, repos: [REPO] });
      // Where GitHub Enterprise Server users put their own API URL: here, the stand-in.
      await api("integrations/github", {
        method: "PUT",
        body: { enabled: false, owner, repositories: ["shop"], apiUrl: github.url },
      });
    });

    it("the README's call saves the integration, which collects at once", async () => {
      const answer = await configure(token);
      expect(documentedAnswer(snippet("github-collector", "sh"))).toMatchObject({
        success: true,
        integration: { enabled: true, tokenSet: true, collecting: true },
      });
      expect(answer).toEqual({
        success: true,
        integration: {
          enabled: true,
          tokenSet: true,
          owner,
          repositories: ["shop"],
          apiUrl: github.url,
          collecting: true,
        },
      });
      const pipeline = await eventually("the run under Pipelines", async () =>
        (await api<{ pipelines: Pipeline[] }>("pipelines")).pipelines.find(
          (p) => p.id === "gh-run-4101",
        ),
      );
      expect(pipeline.status).toBe("success");
      const deployments = (await api<{ deployments: Deployment[] }>("deployments")).deployments;
      expect(deployments.find((d) => d.id === "gh-deploy-4201")).toMatchObject({
        environment: "production",
      });
      expect(await source("github")).toMatchObject({ status: "live", tokenSet: true });
    });

    it("a rejected token shows as 'credentials invalid', and saving a good one recovers", async () => {
      const rotated = `github_pat_${crypto.randomUUID().replaceAll("-", "")}`;
      await control({ op: "token", token: rotated });
      await api("refresh", { method: "POST" });
      const failing = await source("github");
      expect(failing.status).toBe("error");
      expect(failing.lastError).toMatch(
        /^credentials invalid: .*GitHub rejected the token \(HTTP 401: Bad credentials\)/,
      );
      await configure(rotated);
      await eventually("the source live again", async () =>
        (await source("github")).status === "live" ? true : undefined,
      );
    });
  });

  describe("AWS", () => {
    const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
    const key = {
      accessKeyId: `AKIA${id}`,
      secretAccessKey: `${crypto.randomUUID()}${crypto.randomUUID()}`.slice(0, 40),
    };
    const configure = async (secretAccessKey: string) =>
      printedJson<{ success: boolean; integration: AwsIntegration }>(
        await runShellSnippet(snippet("aws-configure", "sh"), {
          ...common(),
          AWS_ACCESS_KEY_ID: key.accessKeyId,
          AWS_SECRET_ACCESS_KEY: secretAccessKey,
        }),
      );

    beforeAll(async () => {
      // Like creating an IAM user's key; then the collector's endpoints point at the stand-in.
      await fetch(`${aws.url}/__keys`, { method: "POST", body: JSON.stringify(key) });
      const url = aws.url;
      await api("integrations/aws", {
        method: "PUT",
        body: {
          enabled: false,
          endpoints: { ec2: url, rds: url, cloudwatch: url, s3: url, lambda: url },
        },
      });
    });

    it("the README's call saves the keys write-only and the services appear", async () => {
      const answer = await configure(key.secretAccessKey);
      expect(answer).toMatchObject({
        success: true,
        integration: {
          enabled: true,
          accessKeySet: true,
          secretKeySet: true,
          regions: ["eu-west-1"],
          services: ["ec2", "rds", "cloudwatch", "s3", "lambda"],
          // As the README shows: the collection it starts has not reported yet.
          source: { id: "aws", status: "pending" },
        },
      });
      expect(JSON.stringify(answer)).not.toContain(key.secretAccessKey);
      const cards = await eventually("the service cards", async () => {
        const list = (await api<{ services: AwsService[] }>("aws-services")).services;
        return list.some((c) => c.id === "ec2.eu-west-1") ? list : undefined;
      });
      expect(cards.map((c) => c.id)).toEqual(
        expect.arrayContaining(["ec2.eu-west-1", "rds.eu-west-1", "lambda.eu-west-1"]),
      );
      expect(await source("aws")).toMatchObject({ status: "live" });
    });

    it("a wrong secret key shows as 'credentials invalid' with AWS's error", async () => {
      await configure("x".repeat(40));
      const failing = await eventually("the AWS source to fail", async () => {
        const view = (await api<{ integration: AwsIntegration }>("integrations/aws")).integration;
        return view.source.status === "error" ? view.source : undefined;
      });
      expect(failing.lastError).toMatch(/^credentials invalid: .*SignatureDoesNotMatch/);
      expect((await source("aws")).lastError).toBe(failing.lastError);
      await configure(key.secretAccessKey);
      await eventually("the source live again", async () =>
        (await source("aws")).status === "live" ? true : undefined,
      );
    });
  });

  describe("Web3 networks", () => {
    const add = async (rpcUrl: string) =>
      printedJson<{ network: NetworkView } | Problem>(
        await runShellSnippet(snippet("web3-network", "sh"), { ...common(), RPC_URL: rpcUrl }),
      );

    it("an endpoint that does not verify is refused as the README says, and nothing is saved", async () => {
      const silent = `http://127.0.0.1:${(await freePort()) as number}`;
      expect(await add(silent)).toMatchObject({
        status: 422,
        code: "rpc_verification_failed",
        detail: expect.stringMatching(/^The RPC endpoint did not answer eth_chainId: /),
      });
      expect(await add(otherChain.url)).toMatchObject({
        status: 422,
        code: "rpc_verification_failed",
        detail: `The RPC endpoint serves chain ${otherChain.chainId}, not 1.`,
      });
      expect((await api<{ networks: NetworkView[] }>("integrations/networks")).networks).toEqual(
        [],
      );
    });

    it("the README's call watches the network and its card goes live", async () => {
      const answer = await add(mainnet.url);
      expect(answer).toMatchObject({
        network: {
          id: "mainnet",
          name: "Ethereum",
          chainId: 1,
          rpcHost: new URL(mainnet.url).host,
          explorerUrl: "https://etherscan.io",
        },
      });
      const card = await eventually("the network's card", async () =>
        (await api<{ networks: Web3Network[] }>("web3")).networks.find((n) => n.id === "mainnet"),
      );
      expect(card.name).toBe("Ethereum");
      expect(await source("web3")).toMatchObject({ status: "live" });
    });
  });
});
