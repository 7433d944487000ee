import type { TestProject } from "vitest/node";
import { startAnvil } from "./peers/anvil";
import { startAwsStandin } from "./peers/aws-standin";
import { startFlakyProxy } from "./peers/flaky-proxy";
import { startGithubStandin } from "./peers/github-standin";
import { startNotifyStandin } from "./peers/notify-standin";
import { startPrometheusStandin } from "./peers/prometheus-standin";

declare module "vitest" {
  export interface ProvidedContext {
    anvilUrl: string;
    anvilChainId: number;
    /** anvil behind a proxy whose behaviour tests switch (see test/peers/flaky-proxy.ts). */
    flakyRpcUrl: string;
    /** GitHub REST stand-in, every response schema-checked (test/peers/github-standin.ts). */
    githubApiUrl: string;
    /** EC2/RDS/CloudWatch/S3/Lambda stand-in that checks SigV4 (test/peers/aws-standin.ts). */
    awsEndpoint: string;
    /** Slack incoming-webhook and generic webhook receiver (test/peers/notify-standin.ts). */
    notifyUrl: string;
    /** Replays Prometheus's documented API answers (test/peers/prometheus-standin.ts). */
    prometheusUrl: string;
  }
}

/** Real peers the in-workerd tests reach over loopback: a local EVM node. */
export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTime: 1 });
  project.provide("anvilUrl", anvil.url);
  project.provide("anvilChainId", anvil.chainId);
  const proxy = await startFlakyProxy(anvil.url);
  project.provide("flakyRpcUrl", proxy.url);
  const github = await startGithubStandin();
  project.provide("githubApiUrl", github.url);
  const aws = await startAwsStandin();
  project.provide("awsEndpoint", aws.url);
  const notify = await startNotifyStandin();
  project.provide("notifyUrl", notify.url);
  const prometheus = await startPrometheusStandin();
  project.provide("prometheusUrl", prometheus.url);
  return async () => {
    await prometheus.stop();
    await notify.stop();
    await github.stop();
    await aws.stop();
    await proxy.stop();
    await anvil.stop();
  };
}
