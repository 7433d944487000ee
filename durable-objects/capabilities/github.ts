import {
  ok,
  type Outcome,
  type Deployment,
  type DeploymentLog,
  type GithubDelivery,
  type GithubDeliveryResult,
  type GithubIntegrationBody,
  type GithubIntegrationView,
  type Pipeline,
  type Principal,
  type ProviderAction,
  type RollbackBody,
  type Settings,
  type SettingsInput,
  type StageLogs,
} from "../../schema";
import { githubJob, knownRepository } from "../collection/github-job";
import { loadIntervals } from "../collection/intervals";
import type { CollectionJob } from "../collection/runner";
import * as deployActions from "../domain/deploy-actions";
import { viewGithub } from "../domain/github-access";
import { ingestGithub } from "../domain/github-ingest";
import * as pipelineActions from "../domain/pipeline-actions";
import type { ActionDeps } from "../domain/provider-call";
import { loadSettings } from "../domain/settings";
import { DELIVERY_RETENTION_MS, DeliveryMemory } from "../store/delivery-memory";
import { ProviderActions } from "../store/provider-actions";
import type { Activity } from "./activity";
import type { Delivery } from "./delivery";
import type { AlarmTasks, Host } from "./host";
import type { SourceStates } from "./sources";
import type { Webhooks } from "./webhooks";

type Action<T> = Promise<Outcome<T>>;

/** The alarm task that forgets old delivery ids and body hashes, a batch at a time. */
const PRUNE_TASK = "github:deliveries";
/** Pruning runs at most this often while deliveries arrive, and right away while a batch is full. */
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_AGAIN_MS = 1_000;

/**
 * GitHub: the integration's settings, its collector job, its webhook receiver and the actions
 * people take through it (redeploy, rollback, re-run, cancel, logs), each recorded.
 */
export class Github {
  private readonly actions: ProviderActions;
  readonly memory: DeliveryMemory;
  readonly tasks: AlarmTasks = {
    [PRUNE_TASK]: (now) => this.prune(now),
  };

  constructor(
    private readonly host: Host,
    private readonly deps: {
      delivery: Delivery;
      activity: Activity;
      sources: SourceStates;
      webhooks: Webhooks;
      updateSettings: (actor: Principal, input: SettingsInput) => Promise<Outcome<Settings>>;
    },
  ) {
    this.actions = new ProviderActions(host.sql);
    this.memory = new DeliveryMemory(host.sql);
  }

  view(): GithubIntegrationView {
    return viewGithub(loadSettings(this.host.sql).integrations.github);
  }

  /** Saves the integration; the Worker has checked `apiUrl` against the URL policy. */
  async configure(
    actor: Principal,
    body: GithubIntegrationBody,
  ): Promise<Outcome<GithubIntegrationView>> {
    const saved = await this.deps.updateSettings(actor, { integrations: { github: body } });
    return saved.ok ? ok(this.view()) : saved;
  }

  retry(actor: Principal, id: string): Action<{ deployment: Deployment; action: ProviderAction }> {
    return deployActions.retryDeployment(this.actionDeps(), actor, id);
  }

  /** Redeploys the last good earlier version of the deployment's environment. */
  rollback(
    actor: Principal,
    id: string,
    body: RollbackBody,
  ): Action<{ deployment: Deployment; action: ProviderAction }> {
    return deployActions.rollbackDeployment(this.actionDeps(), actor, id, body);
  }

  deploymentLogs(id: string): Action<DeploymentLog[]> {
    return deployActions.deploymentLogs(this.actionDeps(), id);
  }

  rerun(
    actor: Principal,
    id: string,
    failedOnly: boolean,
  ): Action<{ pipeline: Pipeline; action: ProviderAction }> {
    return pipelineActions.rerunPipeline(this.actionDeps(), actor, id, failedOnly);
  }

  cancel(actor: Principal, id: string): Action<{ pipeline: Pipeline; action: ProviderAction }> {
    return pipelineActions.cancelPipeline(this.actionDeps(), actor, id);
  }

  stageLogs(id: string, stageId: string): Action<StageLogs> {
    return pipelineActions.stageLogs(this.actionDeps(), id, stageId);
  }

  listActions(limit: number): ProviderAction[] {
    return this.actions.list(limit);
  }

  /** One webhook delivery, raw bytes and headers as received (rules in domain/github-ingest). */
  ingest(delivery: GithubDelivery): Promise<Outcome<GithubDeliveryResult>> {
    const { delivery: d, sources, activity } = this.deps;
    return ingestGithub(
      {
        exists: () => this.host.info() !== undefined,
        box: () => this.host.box(),
        webhooks: this.deps.webhooks.store,
        memory: this.memory,
        pruneLater: (now) => this.host.schedule.soon(PRUNE_TASK, now.getTime() + PRUNE_EVERY_MS),
        ...d.stores(),
        sources: sources.reports,
        listSources: () => sources.list(),
        transaction: (fn) => this.host.transaction(fn),
        publish: (event, now) => this.host.publish(event, now),
        addActivity: (items, now) => activity.add(items, now),
      },
      delivery,
      new Date(),
    );
  }

  /**
   * One bounded prune of the delivery memory: again in a second while batches come back full,
   * else when the oldest row expires (or sooner, when deliveries arrive), else never.
   */
  private prune(now: number): void {
    const { more, oldestAt } = this.memory.prune(now);
    const { schedule } = this.host;
    if (more) schedule.write(PRUNE_TASK, now + PRUNE_AGAIN_MS);
    else if (oldestAt !== undefined)
      schedule.write(PRUNE_TASK, Math.max(now + PRUNE_EVERY_MS, oldestAt + DELIVERY_RETENTION_MS));
    else schedule.cancel(PRUNE_TASK);
  }

  /** Deployments, runs and security alerts of the configured repositories. */
  job(): CollectionJob {
    return githubJob({
      sql: this.host.sql,
      settings: () => loadSettings(this.host.sql),
      intervals: () => loadIntervals(this.host.sql),
      box: () => this.host.box(),
      ...this.deps.delivery.stores(),
      publish: (event, now) => this.host.publish(event, now),
      addActivity: (items, now) => this.deps.activity.add(items, now),
    });
  }

  private actionDeps(): ActionDeps {
    return {
      stores: this.deps.delivery.stores(),
      actions: this.actions,
      audit: this.host.audit,
      settings: () => loadSettings(this.host.sql),
      box: () => this.host.box(),
      identity: (fullName) => knownRepository(this.host.sql, fullName),
      publish: (event, now) => this.host.publish(event, now),
      addActivity: (items, now) => this.deps.activity.add(items, now),
      allowLoopback: this.host.allowLoopback,
    };
  }
}
