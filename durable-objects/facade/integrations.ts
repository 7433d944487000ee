import type { NetworkView } from "../../schema";
import type { Aws } from "../capabilities/aws";
import type { Prometheus } from "../capabilities/prometheus";
import type { Collection } from "../capabilities/collection";
import type { Delivery } from "../capabilities/delivery";
import type { Github } from "../capabilities/github";
import type { Notifications } from "../capabilities/notifications";
import type { Origins } from "../capabilities/origins";
import type { StatusPage } from "../capabilities/status-page";
import type { NewNetwork, Web3 } from "../capabilities/web3";
import { OperationsFacade } from "./operations";

/**
 * Where it comes from and goes: delivery and GitHub, AWS, Prometheus, Web3, collection,
 * notifications, the status page and allowed origins.
 */
export class IntegrationsFacade extends OperationsFacade {
  // ── Deployments, pipelines, security, GitHub (capabilities/delivery.ts, github.ts) ──
  listDeployments(...a: Parameters<Delivery["listDeployments"]>) {
    return this.c.delivery.listDeployments(...a);
  }
  listPipelines(...a: Parameters<Delivery["listPipelines"]>) {
    return this.c.delivery.listPipelines(...a);
  }
  getPipeline(...a: Parameters<Delivery["getPipeline"]>) {
    return this.c.delivery.getPipeline(...a);
  }
  listSecurity(...a: Parameters<Delivery["listSecurity"]>) {
    return this.c.delivery.listSecurity(...a);
  }
  getGithubIntegration() {
    return this.c.github.view();
  }
  configureGithub(...a: Parameters<Github["configure"]>) {
    return this.c.github.configure(...a);
  }
  ingestGithub(...a: Parameters<Github["ingest"]>) {
    return this.c.github.ingest(...a);
  }
  retryDeployment(...a: Parameters<Github["retry"]>) {
    return this.c.github.retry(...a);
  }
  rollbackDeployment(...a: Parameters<Github["rollback"]>) {
    return this.c.github.rollback(...a);
  }
  deploymentLogs(...a: Parameters<Github["deploymentLogs"]>) {
    return this.c.github.deploymentLogs(...a);
  }
  rerunPipeline(...a: Parameters<Github["rerun"]>) {
    return this.c.github.rerun(...a);
  }
  cancelPipeline(...a: Parameters<Github["cancel"]>) {
    return this.c.github.cancel(...a);
  }
  stageLogs(...a: Parameters<Github["stageLogs"]>) {
    return this.c.github.stageLogs(...a);
  }
  listProviderActions(...a: Parameters<Github["listActions"]>) {
    return this.c.github.listActions(...a);
  }

  // ── Cloud and chains, collection (capabilities/aws.ts, web3.ts, collection.ts) ──────
  listAwsServices() {
    return this.c.aws.list();
  }
  getAwsIntegration() {
    return this.c.aws.view();
  }
  configureAws(...a: Parameters<Aws["configure"]>) {
    return this.c.aws.configure(...a);
  }
  getPrometheusIntegration() {
    return this.c.prometheus.view();
  }
  configurePrometheus(...a: Parameters<Prometheus["configure"]>) {
    return this.c.prometheus.configure(...a);
  }
  listWeb3() {
    return this.c.web3.listCards();
  }
  listNetworks(): NetworkView[] {
    return this.c.web3.listNetworks();
  }
  addNetwork(actor: Parameters<Web3["add"]>[0], network: NewNetwork) {
    return this.c.web3.add(actor, network);
  }
  updateNetwork(...a: Parameters<Web3["update"]>) {
    return this.c.web3.update(...a);
  }
  removeNetwork(...a: Parameters<Web3["remove"]>) {
    return this.c.web3.remove(...a);
  }
  listContracts(...a: Parameters<Web3["contracts"]>) {
    return this.c.web3.contracts(...a);
  }
  addContract(...a: Parameters<Web3["addContract"]>) {
    return this.c.web3.addContract(...a);
  }
  removeContract(...a: Parameters<Web3["removeContract"]>) {
    return this.c.web3.removeContract(...a);
  }
  getIntervals() {
    return this.c.collection.intervals();
  }
  setIntervals(...a: Parameters<Collection["setIntervals"]>) {
    return this.c.collection.setIntervals(...a);
  }
  refresh(...a: Parameters<Collection["refresh"]>) {
    return this.c.collection.refresh(...a);
  }
  /**
   * Called by the cron: makes sure every configured collector, and retention, has its alarm task.
   */
  wake() {
    this.c.retention.ensure(Date.now());
    return this.c.collection.wake();
  }

  // ── Notifications out, status page (capabilities/notifications.ts, status-page.ts) ──
  getNotifications() {
    return this.c.notifications.view();
  }
  listNotificationDeliveries(...a: Parameters<Notifications["deliveries"]>) {
    return this.c.notifications.deliveries(...a);
  }
  testNotification(...a: Parameters<Notifications["test"]>) {
    return this.c.notifications.test(...a);
  }
  getStatusPage() {
    return this.c.statusPage.config();
  }
  setStatusPage(...a: Parameters<StatusPage["set"]>) {
    return this.c.statusPage.set(...a);
  }
  /** @example const view = await env.WORKSPACE.getByName("demo").publicStatus() */
  publicStatus() {
    return this.c.statusPage.publicView();
  }

  // ── Cross-origin clients (capabilities/origins.ts) ──────────────────────────────────
  /** Also the Worker's CORS read: `[]` for an unknown workspace, like an unlisted origin. */
  getAllowedOrigins() {
    return this.c.origins.list();
  }
  setAllowedOrigins(...a: Parameters<Origins["set"]>) {
    return this.c.origins.set(...a);
  }
}
