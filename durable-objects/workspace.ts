import { DurableObject } from "cloudflare:workers";
import {
  ActivityItem,
  Alert,
  AwsService,
  ClientFrame,
  Deployment,
  Incident,
  MAX_CLIENT_FRAME_BYTES,
  Pipeline,
  PING_FRAME,
  CREDENTIAL_HEADER,
  SocketCredential,
  PONG_FRAME,
  type Principal,
  SecurityScan,
  StoredNetwork,
  Web3Network,
  fail,
  ok,
  type AuditRecord,
  type AuditQuery,
  type ApiToken,
  type ChangeEvent,
  type ChartDataPoint,
  type CollectionIntervals,
  type CreateTokenBody,
  type NetworkView,
  type UpdateNetworkBody,
  type CreateWebhookIntegrationBody,
  type GithubDelivery,
  type GithubDeliveryResult,
  type IssuedWebhookIntegration,
  type RotateWebhookBody,
  type WebhookIntegration,
  type Deployment as DeploymentRecord,
  type DeploymentQuery,
  type IncidentQuery,
  type IssuedToken,
  type Metric,
  type MetricSamplesBody,
  type Outcome,
  type SecurityQuery,
  type Settings,
  type SettingsInput,
  type Snapshot,
  type SourceStatus,
  type TimeRange,
  type WorkspaceInfo,
  type WorkspaceStats,
} from "../schema";
import {
  GrafanaPayload,
  PagerDutyOpenAlert,
  decodeJsonObject,
  hookFailure,
  validated,
  type AlertBatchResult,
  type AlertmanagerPayload,
  type CreateMaintenanceBody,
  type CreateSilenceBody,
  type HookOutcome,
  type PagerDutyChangeEvent,
  type PagerDutyEvent,
  type PagerDutyResult,
  type Silence,
  type SilenceKind,
  type SilenceQuery,
} from "../schema";
import {
  type Admission,
  type AlertDetail,
  type CreateIncidentBody,
  type IdempotencyClaim,
  type IncidentDetail,
  type IncidentUpdateBody,
  type StoredResponse,
} from "../schema";
import {
  SOCKET_TAG,
  attachmentOf,
  broadcast,
  closeQuietly,
  isReservedCloseCode,
  sendFrame,
  type SocketAttachment,
} from "./connections";
import {
  PagerDutyAlerts,
  activityFor,
  alertFrameGap,
  applyAlerts,
  changeActivity,
  lastEventBytes,
  normaliseAlerts,
  type IncomingAlert,
} from "./domain/alert-ingest";
import { verifyGrafana } from "./domain/grafana-signature";
import { Metrics } from "./domain/metrics";
import { loadSettings, mergeSettings, saveSettings, viewSettings } from "./domain/settings";
import { Silences, reapplySilences } from "./domain/silences";
import { ingestGithub } from "./domain/github-ingest";
import { Sources } from "./domain/sources";
import { TokenBuckets } from "../lib/token-bucket";
import {
  acknowledge,
  activeAlerts,
  alertActivity,
  dismiss,
  resolve,
  type AlertChange,
} from "./domain/alert-actions";
import { correlate } from "./domain/correlation";
import {
  applyUpdate,
  checkAlerts,
  incidentActivity,
  newIncident,
  requestedAlertIds,
} from "./domain/incidents";
import { AccessStore, type Credential } from "./store/access";
import { AlarmSchedule } from "./store/alarm-schedule";
import { AuditLog } from "./store/audit";
import { EventLog } from "./store/event-log";
import { IdempotencyStore } from "./store/idempotency";
import { migrate } from "./store/migrations";
import { RecordStore } from "./store/records";
import { SecretBox } from "./store/secret-box";
import { WebhookIntegrations } from "./store/webhook-integrations";
import { loadIntervals, saveIntervals, staleAfter } from "./collection/intervals";
import { CollectionRunner, type CollectedSource, type CollectionJob } from "./collection/runner";
import { collectNetworks } from "./collection/web3-job";
import { githubJob, knownRepository } from "./collection/github-job";
import * as deployActions from "./domain/deploy-actions";
import { githubCollectable, viewGithub } from "./domain/github-access";
import * as pipelineActions from "./domain/pipeline-actions";
import type { ActionDeps } from "./domain/provider-call";
import { ProviderActions } from "./store/provider-actions";
import type {
  ActionOutcome,
  DeploymentLog,
  GithubIntegrationBody,
  GithubIntegrationView,
  ProviderAction,
  RollbackBody,
  StageLogs,
} from "../schema";
import { type AwsIntegration, type AwsIntegrationInput } from "../schema";
import { awsJob } from "./collection/aws-job";
import { awsConfigured, mergeAwsConfig, viewAws } from "./domain/aws-config";
import { ThresholdEpisodes } from "./domain/thresholds";
import { evaluateGasAlerts } from "./domain/gas-alerts";
import { pruneClosedAlerts } from "./store/alert-retention";
import { PendingActivity } from "./store/pending-activity";
import type {
  AlertRule,
  AlertRuleQuery,
  CreateAlertRuleBody,
  UpdateAlertRuleBody,
} from "../schema";
import { AlertRuleStore } from "./store/alert-rules";
import { breachedStatus } from "./domain/alert-rules";
import { createRule, deleteRule, updateRule, type RuleChange } from "./domain/alert-rule-actions";
import { judgeSamples, rejudgeThresholds, type MetricJudgeDeps } from "./domain/metric-alerts";
import { type PublicStatus, type StatusPageConfig } from "../schema";
import { loadStatusPage, openAlertCounts, publicView, saveStatusPage } from "./domain/status-page";
import { ContractReadings, type AddContractBody, type ContractsResponse } from "../schema";
import {
  checksummed,
  contractViews,
  foldReadings,
  withContract,
  withoutContract,
} from "./domain/watched-contracts";
import type {
  NotificationChannel,
  NotificationDelivery,
  NotificationTestBody,
  NotificationTestResult,
  NotificationsView,
} from "../schema";
import { Notifier, channelSource, notificationsView } from "./domain/notifications";
import { drainOutbox, resolveTarget, send } from "./domain/notifications-deliver";
import { NotificationOutbox } from "./store/notification-outbox";
import { ObservedRecordStore } from "./store/observed-records";
import { logSafe } from "../lib/log-safe";

const HEARTBEAT_MS = 30_000;
/** When an alarm task throws, it alone runs again this much later. */
const TASK_RETRY_MS = 60_000;
const ALERT_PRUNE_EVERY_MS = 60 * 60 * 1000;
const byTimestamp = (r: { timestamp: string }) => r.timestamp;

/**
 * One workspace: its state in SQLite, its live sockets, its event log. Every query and
 * command is a typed RPC method; `fetch()` only upgrades WebSockets.
 */
export class Workspace extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly log: EventLog;
  private readonly schedule: AlarmSchedule;
  private readonly access: AccessStore;
  private readonly audit: AuditLog;
  private readonly metrics: Metrics;
  private readonly sources: Sources;
  private readonly alerts: RecordStore<typeof Alert>;
  private readonly incidents: RecordStore<typeof Incident>;
  private readonly deployments: RecordStore<typeof Deployment>;
  private readonly pipelines: RecordStore<typeof Pipeline>;
  private readonly awsServices: RecordStore<typeof AwsService>;
  private readonly web3: RecordStore<typeof Web3Network>;
  private readonly activity: RecordStore<typeof ActivityItem>;
  private readonly security: RecordStore<typeof SecurityScan>;
  private readonly webhooks: WebhookIntegrations;
  private readonly silences: Silences;
  private readonly pagerDuty: PagerDutyAlerts;
  /** PagerDuty-style senders: 200 events burst, 100/s sustained per routing key. */
  private readonly pagerDutyBuckets = new TokenBuckets(200, 100);
  /** When the last `alerts` frame went out, and the least gap before the next (memory only). */
  private lastAlertFrame = 0;
  private alertGap = 0;
  /** When closed alerts were last pruned (memory only: at most hourly, at the next publish). */
  private lastAlertPrune = 0;
  /** When each webhook source's live report was last written and last broadcast. */
  private readonly liveReports = new Map<string, { written: number; sent: number }>();
  /**
   * REST mutations: 120 burst, 2/s sustained per token, charged in `admit` (the same call
   * that authenticates, so no extra round trip). In memory on purpose: this object sees every
   * request of its workspace, so the count is exact, and eviction only resets allowances.
   */
  private readonly mutationBuckets = new TokenBuckets(120, 2);
  private readonly idempotency = new IdempotencyStore(this.ctx.storage.sql);
  private readonly providerActions = new ProviderActions(this.ctx.storage.sql);
  private readonly alertRules = new AlertRuleStore(this.ctx.storage.sql);
  private readonly networks: RecordStore<typeof StoredNetwork>;
  /** Latest code size, balance and nonce of each network's watched contracts (id = network). */
  private readonly contractReadings = new RecordStore(
    this.ctx.storage.sql,
    "contract-readings",
    ContractReadings,
    (r) => r.id,
  );
  private readonly collection: CollectionRunner;
  private secretBox?: SecretBox;
  private readonly outbox = new NotificationOutbox(this.ctx.storage.sql);
  /** A `notify` run is sending (memory only: eviction cannot happen mid-run). */
  private draining = false;
  private readonly notifier = new Notifier({
    sql: this.ctx.storage.sql,
    outbox: this.outbox,
    settings: () => loadSettings(this.sql),
    workspace: () => this.info()?.id ?? "",
    publicUrl: () => this.env.PUBLIC_URL,
    wake: (at) => this.notifyAt(at),
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(this.sql));
    this.log = new EventLog(this.sql);
    this.schedule = new AlarmSchedule(ctx.storage);
    this.access = new AccessStore(this.sql, () => this.info()?.id ?? "");
    this.webhooks = new WebhookIntegrations(this.sql, () => this.info()?.id ?? "");
    this.networks = new RecordStore(this.sql, "evm-network", StoredNetwork, (n) => n.addedAt);
    this.audit = new AuditLog(this.sql);
    this.metrics = new Metrics(this.sql);
    this.sources = new Sources(this.sql);
    this.collection = new CollectionRunner(this.sql, this.sources, this.schedule, (now) =>
      this.publish({ type: "sources", payload: this.listSources() }, now),
    );
    // Observed: every alert or incident change, whatever made it, is judged for notification.
    this.alerts = new ObservedRecordStore(
      this.sql,
      "alert",
      Alert,
      (a) => a.lastSeen,
      (b, a) => this.notifier.alertChanged(b, a),
    );
    this.incidents = new ObservedRecordStore(
      this.sql,
      "incident",
      Incident,
      (i) => i.createdAt,
      (b, a) => this.notifier.incidentChanged(b, a),
    );
    this.deployments = new RecordStore(this.sql, "deployment", Deployment, byTimestamp);
    this.pipelines = new RecordStore(
      this.sql,
      "pipeline",
      Pipeline,
      (p) => p.startedAt ?? p.updatedAt ?? "",
    );
    this.awsServices = new RecordStore(this.sql, "aws-service", AwsService, (s) => s.id);
    this.web3 = new RecordStore(this.sql, "web3-network", Web3Network, (n) => n.id);
    this.activity = new RecordStore(this.sql, "activity", ActivityItem, byTimestamp);
    this.security = new RecordStore(this.sql, "security-scan", SecurityScan, byTimestamp);
    this.silences = new Silences(this.sql);
    this.pagerDuty = new PagerDutyAlerts(
      this.alerts,
      new RecordStore(this.sql, "pagerduty-open", PagerDutyOpenAlert, (r) => r.id),
      this.silences,
    );
    // Existing clients send this exact text every 30 s; answer it without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  // ── Workspace lifecycle and access ────────────────────────────────────────────────

  /**
   * Creates the workspace and returns its first admin token (shown once).
   * @example await env.WORKSPACE.getByName("demo").create({ id: "demo", name: "Demo" }, "admin")
   */
  async create(
    info: { id: string; name: string },
    adminName: string,
  ): Promise<Outcome<IssuedToken>> {
    if (this.info())
      return fail(409, "workspace_exists", `Workspace '${info.id}' already exists.`, "id");
    const now = new Date();
    const record: WorkspaceInfo = { ...info, createdAt: now.toISOString() };
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('workspace', ?)", JSON.stringify(record));
    const token = await this.access.issueToken(adminName, "admin", "operator", now);
    this.audit.record("operator", "workspace.create", info.id, { after: record }, now);
    this.audit.record(
      "operator",
      "token.create",
      token.id,
      { after: { name: adminName, role: "admin" } },
      now,
    );
    return ok(token);
  }

  info(): WorkspaceInfo | undefined {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'workspace'")
      .next();
    return row.done ? undefined : (JSON.parse(row.value.value) as WorkspaceInfo);
  }

  /** Resolves a token, session or socket ticket to its principal; undefined when invalid. */
  async authenticate(credential: Credential): Promise<Principal | undefined> {
    if (!this.info()) return undefined;
    return this.access.resolve(credential, new Date());
  }

  async openSession(
    token: string,
  ): Promise<Outcome<{ session: string; expiresAt: string; principal: Principal }>> {
    const now = new Date();
    const principal = await this.authenticate({ kind: "token", secret: token });
    if (!principal)
      return fail(401, "invalid_token", "That token is not valid for this workspace.", "token");
    const { secret, expiresAt } = await this.access.openSession(principal.tokenId, now);
    this.audit.record(principal, "session.open", principal.tokenId, {}, now);
    return ok({ session: secret, expiresAt: expiresAt.toISOString(), principal });
  }

  /** Ends a browser session and the live sockets opened with it. */
  async closeSession(actor: Principal, session: string): Promise<void> {
    const hash = await this.access.closeSession(session);
    this.audit.record(actor, "session.close", actor.tokenId, {}, new Date());
    for (const ws of this.ctx.getWebSockets(SOCKET_TAG)) {
      if (attachmentOf(ws)?.session === hash) closeQuietly(ws, 1008, "signed out");
    }
  }

  /** `session`: the browser session asking, if any, so its sockets close when it ends. */
  async issueSocketTicket(
    actor: Principal,
    session?: string,
  ): Promise<{ ticket: string; expiresAt: string }> {
    const { ticket, expiresAt } = await this.access.issueTicket(actor.tokenId, new Date(), session);
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  listTokens(): ApiToken[] {
    return this.access.listTokens();
  }

  async createToken(actor: Principal, body: CreateTokenBody): Promise<IssuedToken> {
    const now = new Date();
    const token = await this.access.issueToken(body.name, body.role, actor.name, now);
    this.audit.record(
      actor,
      "token.create",
      token.id,
      { after: { name: body.name, role: body.role } },
      now,
    );
    return token;
  }

  revokeToken(actor: Principal, id: string): Outcome<ApiToken> {
    const before = this.access.getToken(id);
    if (!before) return fail(404, "not_found", `No token with id '${id}'.`, "id");
    const now = new Date();
    this.access.revokeToken(id, now);
    const after = this.access.getToken(id)!;
    this.audit.record(actor, "token.revoke", id, { before, after }, now);
    for (const ws of this.ctx.getWebSockets(SOCKET_TAG)) {
      if (attachmentOf(ws)?.principal.tokenId === id) closeQuietly(ws, 1008, "token revoked");
    }
    return ok(after);
  }

  auditPage(query: AuditQuery): AuditRecord[] {
    return this.audit.page(query.limit, query.before);
  }

  // ── Webhook integrations ──────────────────────────────────────────────────────────

  listWebhookIntegrations(): WebhookIntegration[] {
    return this.webhooks.list(new Date());
  }

  /** Creates a sender integration; its credential is in this result only. */
  async createWebhookIntegration(
    actor: Principal,
    body: CreateWebhookIntegrationBody,
  ): Promise<Outcome<IssuedWebhookIntegration>> {
    const box = await this.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    const now = new Date();
    const issued = await this.webhooks.create(box, body, actor.name, now);
    this.audit.record(
      actor,
      "webhook.create",
      issued.integration.id,
      { after: issued.integration },
      now,
    );
    this.publish({ type: "sources", payload: this.listSources() }, now);
    return ok(issued);
  }

  async rotateWebhookIntegration(
    actor: Principal,
    id: string,
    body: RotateWebhookBody,
  ): Promise<Outcome<IssuedWebhookIntegration>> {
    const box = await this.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    const now = new Date();
    const before = this.webhooks.get(id, now);
    const rotated = await this.webhooks.rotate(box, id, body, now);
    if (rotated.ok)
      this.audit.record(
        actor,
        "webhook.rotate",
        id,
        { before, after: rotated.value.integration },
        now,
      );
    return rotated;
  }

  deleteWebhookIntegration(actor: Principal, id: string): Outcome<{ id: string }> {
    const now = new Date();
    const before = this.webhooks.get(id, now);
    if (!before || !this.webhooks.delete(id))
      return fail(404, "not_found", `No webhook integration '${id}'.`, "id");
    this.audit.record(actor, "webhook.delete", id, { before }, now);
    this.publish({ type: "sources", payload: this.listSources() }, now);
    return ok({ id });
  }

  // ── Collection ────────────────────────────────────────────────────────────────────

  listNetworks(): NetworkView[] {
    return this.networks.list().map(({ rpcUrlSealed: _sealed, ...view }) => view);
  }

  /** Saves a network whose RPC URL the Worker has already checked (URL policy, eth_chainId). */
  async addNetwork(
    actor: Principal,
    // `contracts` optional: a Worker from before watched contracts still calls this.
    network: Omit<NetworkView, "addedAt" | "addedBy" | "contracts"> &
      Partial<Pick<NetworkView, "contracts">> & { rpcUrl: string },
  ): Promise<Outcome<NetworkView>> {
    const box = await this.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    if (this.networks.get(network.id))
      return fail(409, "conflict", `A network with id '${network.id}' exists.`, "json.id");
    const { rpcUrl, ...fields } = network;
    const now = new Date();
    const stored: StoredNetwork = {
      ...fields,
      contracts: checksummed(fields.contracts ?? []),
      rpcUrlSealed: await box.seal(rpcUrl),
      addedAt: now.toISOString(),
      addedBy: actor.name,
    };
    this.networks.put(stored);
    const { rpcUrlSealed: _sealed, ...view } = stored;
    this.audit.record(actor, "network.add", network.id, { after: view }, now);
    this.publish({ type: "sources", payload: this.listSources() }, now);
    await this.schedule.set("collect:web3", now.getTime());
    return ok(view);
  }

  /**
   * Renames a network, sets its gas-price alert rule (judged at once) or replaces its watched
   * contracts; newly watched addresses are read by a collection started now.
   */
  async updateNetwork(
    actor: Principal,
    id: string,
    body: UpdateNetworkBody,
  ): Promise<Outcome<NetworkView>> {
    const before = this.networks.get(id);
    if (!before) return fail(404, "not_found", `No network '${id}'.`, "id");
    const now = new Date();
    const after: StoredNetwork = {
      ...before,
      name: body.name ?? before.name,
      explorerUrl: body.explorerUrl === null ? undefined : (body.explorerUrl ?? before.explorerUrl),
      gasAlertGwei:
        body.gasAlertGwei === null ? undefined : (body.gasAlertGwei ?? before.gasAlertGwei),
      contracts: body.contracts ? checksummed(body.contracts) : before.contracts,
    };
    this.networks.put(after);
    const { rpcUrlSealed: _b, ...beforeView } = before;
    const { rpcUrlSealed: _a, ...view } = after;
    this.audit.record(actor, "network.update", id, { before: beforeView, after: view }, now);
    this.applyGasAlerts(now);
    const watched = new Set(before.contracts.map((c) => c.address));
    if (after.contracts.some((c) => !watched.has(c.address)))
      await this.schedule.set("collect:web3", now.getTime());
    return ok(view);
  }

  /** Judges every network's gas-price rule against its current card (shared alert lifecycle). */
  private applyGasAlerts(now: Date): void {
    const episodes = new ThresholdEpisodes(this.sql);
    const cards = new Map(this.web3.list().map((c) => [c.id, c]));
    const evaluated = evaluateGasAlerts(this.networks.list(), cards, episodes.load(), now);
    if (evaluated.incoming.length === 0) return;
    const changes = applyAlerts(
      this.alerts,
      this.silences,
      "threshold",
      evaluated.incoming,
      "web3",
      now,
    );
    episodes.save(evaluated.episodes);
    this.publishAlerts(now);
    this.addActivity(activityFor("threshold", changes, now), now);
  }

  removeNetwork(actor: Principal, id: string): Outcome<{ id: string }> {
    const before = this.networks.get(id);
    if (!before || !this.networks.delete(id))
      return fail(404, "not_found", `No network '${id}'.`, "id");
    const now = new Date();
    this.web3.delete(id);
    this.contractReadings.delete(id);
    const { rpcUrlSealed: _sealed, ...view } = before;
    this.audit.record(actor, "network.remove", id, { before: view }, now);
    this.publish({ type: "web3-networks", payload: this.web3.list() }, now);
    this.publish({ type: "sources", payload: this.listSources() }, now);
    return ok({ id });
  }

  /** A network's watched contracts with their latest readings (View Contracts). */
  listContracts(id: string): Outcome<ContractsResponse> {
    const network = this.networks.get(id);
    if (!network) return fail(404, "not_found", `No network '${id}'.`, "id");
    const contracts = contractViews(network.contracts, this.contractReadings.get(id));
    return ok({ contracts, explorerUrl: network.explorerUrl });
  }

  /** Watches one more address on a network; the next collection (started now) reads it. */
  async addContract(
    actor: Principal,
    id: string,
    body: AddContractBody,
  ): Promise<Outcome<ContractsResponse>> {
    const before = this.networks.get(id);
    if (!before) return fail(404, "not_found", `No network '${id}'.`, "id");
    const next = withContract(before.contracts, body);
    if (!next.ok) return next;
    const now = new Date();
    this.networks.put({ ...before, contracts: next.value });
    const change = { before: { contracts: before.contracts }, after: { contracts: next.value } };
    this.audit.record(actor, "network.contract.add", id, change, now);
    await this.schedule.set("collect:web3", now.getTime());
    return this.listContracts(id);
  }

  /** Stops watching one address on a network (its readings go with it). */
  removeContract(actor: Principal, id: string, address: string): Outcome<ContractsResponse> {
    const before = this.networks.get(id);
    if (!before) return fail(404, "not_found", `No network '${id}'.`, "id");
    const next = withoutContract(before.contracts, address);
    if (!next.ok) return next;
    const now = new Date();
    this.networks.put({ ...before, contracts: next.value });
    const change = { before: { contracts: before.contracts }, after: { contracts: next.value } };
    this.audit.record(actor, "network.contract.remove", id, change, now);
    return this.listContracts(id);
  }

  getIntervals(): CollectionIntervals {
    return loadIntervals(this.sql);
  }

  setIntervals(actor: Principal, intervals: CollectionIntervals): CollectionIntervals {
    const before = loadIntervals(this.sql);
    saveIntervals(this.sql, intervals);
    this.audit.record(
      actor,
      "collection.intervals",
      "collection",
      { before, after: intervals },
      new Date(),
    );
    return intervals;
  }

  /** Runs every configured collector now (the Refresh button); one already running is skipped. */
  async refresh(actor: Principal): Promise<Record<string, "ran" | "skipped" | "failed">> {
    const now = new Date();
    const results: Record<string, "ran" | "skipped" | "failed"> = {};
    for (const source of this.configuredJobs()) results[source] = await this.runJob(source, now);
    await this.schedule.arm();
    this.audit.record(actor, "collection.refresh", "collection", { after: results }, now);
    return results;
  }

  /** Called by the cron: makes sure every configured collector has its alarm task. */
  async wake(): Promise<void> {
    const now = Date.now();
    for (const source of this.configuredJobs()) {
      if (this.schedule.dueAt(`collect:${source}`) === undefined)
        this.schedule.write(`collect:${source}`, now);
    }
    await this.schedule.arm();
  }

  /**
   * Every collector the workspace can run: whether it is configured, and its job. Add a
   * source here and its alarm task (`collect:<source>`) in `alarmTasks`.
   */
  private readonly collectors: Partial<
    Record<CollectedSource, { configured: () => boolean; job: () => CollectionJob }>
  > = {
    web3: { configured: () => this.networks.list(1).length > 0, job: () => this.web3Job() },
    github: {
      configured: () => githubCollectable(loadSettings(this.sql).integrations.github),
      job: () => this.githubJob(),
    },
    aws: { configured: () => awsConfigured(loadSettings(this.sql)), job: () => this.awsJob() },
  };

  private configuredJobs(): CollectedSource[] {
    return (Object.keys(this.collectors) as CollectedSource[]).filter((s) =>
      this.collectors[s]?.configured(),
    );
  }

  private web3Job(): CollectionJob {
    return {
      task: "collect:web3",
      source: "web3",
      intervalMs: loadIntervals(this.sql).web3 * 1000,
      collect: async (now) => {
        const box = await this.box();
        if (!box) throw new Error("SECRETS_KEY is not configured on the server");
        const previous = new Map(this.web3.list().map((n) => [n.id, n]));
        const networks = this.networks.list();
        const { cards, errors, contracts } = await collectNetworks(box, networks, previous, now);
        return () => {
          for (const card of cards) this.web3.put(card);
          // Folded against the lists as they are now: a PATCH may have run during the RPC calls.
          let readingsChanged = false;
          for (const network of this.networks.list()) {
            const reads = contracts.get(network.id);
            if (!reads) continue;
            const last = this.contractReadings.get(network.id);
            const next = foldReadings(network.id, network.contracts, last, reads, now);
            this.contractReadings.put(next);
            readingsChanged ||= JSON.stringify(next) !== JSON.stringify(last);
          }
          // New readings alone also send the frame, so an open View Contracts dialog redraws.
          const changed =
            readingsChanged ||
            cards.some((c) => JSON.stringify(c) !== JSON.stringify(previous.get(c.id)));
          if (changed) this.publish({ type: "web3-networks", payload: this.web3.list() }, now);
          this.applyGasAlerts(now);
          // Every network failed: the run fails, so the source goes stale and retries with backoff.
          if (errors.length === networks.length) throw new Error(errors.join("; "));
        };
      },
    };
  }

  /** EC2, RDS, CloudWatch, S3 and Lambda; the rules are in collection/aws-job.ts. */
  private awsJob(): CollectionJob {
    return awsJob({
      settings: () => loadSettings(this.sql),
      box: () => this.box(),
      allowEndpointOverride: this.env.ALLOW_LOOPBACK_URLS === "true",
      intervalMs: loadIntervals(this.sql).metrics * 1000,
      lastSuccessAt: () => this.sources.get("aws")?.lastSuccessAt,
      services: this.awsServices,
      metrics: this.metrics,
      alerts: this.alerts,
      silences: this.silences,
      episodes: new ThresholdEpisodes(this.sql),
      rules: this.alertRules,
      transaction: (fn) => this.ctx.storage.transactionSync(fn),
      publish: (event, now) => this.publish(event, now),
      publishMetrics: (now) =>
        this.publish({ type: "metrics", payload: this.listMetrics("1h") }, now),
      publishAlerts: (now) => this.publishAlerts(now),
      addActivity: (items, now) => this.addActivity(items, now),
    });
  }

  /** The AWS integration as `GET api/integrations/aws` shows it: keys only as "set". */
  getAwsIntegration(): AwsIntegration {
    const source = this.listSources().find((s) => s.id === "aws") ?? {
      id: "aws",
      status: "not_configured",
    };
    return viewAws(loadSettings(this.sql), source);
  }

  /**
   * Saves the AWS integration (keys sealed, write-only) and collects at once when it is
   * complete, so a wrong key shows as "credentials invalid" within seconds.
   * @example await stub.configureAws(principal, { enabled: true, accessKey, secretKey, regions: ["eu-west-1"] })
   */
  async configureAws(
    actor: Principal,
    input: AwsIntegrationInput,
  ): Promise<Outcome<AwsIntegration>> {
    const box = await this.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    const before = loadSettings(this.sql);
    const after = await mergeAwsConfig(box, before, input);
    const now = new Date();
    saveSettings(this.sql, after);
    const beforeView = viewAws(before, { id: "aws", status: "pending" });
    const afterView = viewAws(after, { id: "aws", status: "pending" });
    const { source: _b, ...auditBefore } = beforeView;
    const { source: _a, ...auditAfter } = afterView;
    this.audit.record(
      actor,
      "aws.configure",
      "aws",
      { before: auditBefore, after: auditAfter },
      now,
    );
    // A saved integration is tried at once (backoff resumes if it still fails); an
    // incomplete one stops collecting.
    if (awsConfigured(after)) await this.schedule.set("collect:aws", now.getTime());
    else this.schedule.cancel("collect:aws");
    this.publish({ type: "sources", payload: this.listSources() }, now);
    return ok(this.getAwsIntegration());
  }

  private async runJob(source: CollectedSource, now: Date): Promise<"ran" | "skipped" | "failed"> {
    const collector = this.collectors[source];
    if (!collector?.configured()) {
      this.schedule.cancel(`collect:${source}`);
      return "skipped";
    }
    return this.collection.run(collector.job(), now);
  }

  // ── GitHub: integration and provider actions ──────────────────────────────────────

  getGithubIntegration(): GithubIntegrationView {
    return viewGithub(loadSettings(this.sql).integrations.github);
  }

  /** Saves the GitHub integration; the Worker has checked `apiUrl` against the URL policy. */
  async configureGithub(
    actor: Principal,
    body: GithubIntegrationBody,
  ): Promise<Outcome<GithubIntegrationView>> {
    const saved = await this.updateSettings(actor, { integrations: { github: body } });
    return saved.ok ? ok(this.getGithubIntegration()) : saved;
  }

  /** Redeploys a deployment's commit to its environment through GitHub (operator). */
  retryDeployment(
    actor: Principal,
    id: string,
  ): Promise<ActionOutcome<{ deployment: DeploymentRecord; action: ProviderAction }>> {
    return deployActions.retryDeployment(this.actionDeps(), actor, id);
  }

  /**
   * Redeploys the last good earlier version of the deployment's environment through GitHub.
   * @example await stub.rollbackDeployment(principal, "gh-deploy-42", {})
   */
  rollbackDeployment(
    actor: Principal,
    id: string,
    body: RollbackBody,
  ): Promise<ActionOutcome<{ deployment: DeploymentRecord; action: ProviderAction }>> {
    return deployActions.rollbackDeployment(this.actionDeps(), actor, id, body);
  }

  deploymentLogs(id: string): Promise<ActionOutcome<DeploymentLog[]>> {
    return deployActions.deploymentLogs(this.actionDeps(), id);
  }

  rerunPipeline(
    actor: Principal,
    id: string,
    failedOnly: boolean,
  ): Promise<ActionOutcome<{ pipeline: Pipeline; action: ProviderAction }>> {
    return pipelineActions.rerunPipeline(this.actionDeps(), actor, id, failedOnly);
  }

  cancelPipeline(
    actor: Principal,
    id: string,
  ): Promise<ActionOutcome<{ pipeline: Pipeline; action: ProviderAction }>> {
    return pipelineActions.cancelPipeline(this.actionDeps(), actor, id);
  }

  stageLogs(id: string, stageId: string): Promise<ActionOutcome<StageLogs>> {
    return pipelineActions.stageLogs(this.actionDeps(), id, stageId);
  }

  listProviderActions(limit: number): ProviderAction[] {
    return this.providerActions.list(limit);
  }

  private githubJob(): CollectionJob {
    return githubJob({
      sql: this.sql,
      settings: () => loadSettings(this.sql),
      intervals: () => loadIntervals(this.sql),
      box: () => this.box(),
      pipelines: this.pipelines,
      deployments: this.deployments,
      security: this.security,
      activity: this.activity,
      publish: (event, now) => this.publish(event, now),
      addActivity: (items, now) => this.addActivity(items, now),
    });
  }

  private actionDeps(): ActionDeps {
    return {
      stores: {
        pipelines: this.pipelines,
        deployments: this.deployments,
        security: this.security,
        activity: this.activity,
      },
      actions: this.providerActions,
      audit: this.audit,
      settings: () => loadSettings(this.sql),
      box: () => this.box(),
      identity: (fullName) => knownRepository(this.sql, fullName),
      publish: (event, now) => this.publish(event, now),
      addActivity: (items, now) => this.addActivity(items, now),
      allowLoopback: this.env.ALLOW_LOOPBACK_URLS === "true",
    };
  }

  /** A changed GitHub configuration collects now (a fixed token should not wait out a backoff). */
  private async scheduleGithub(now: Date): Promise<void> {
    if (githubCollectable(loadSettings(this.sql).integrations.github))
      return this.schedule.set("collect:github", now.getTime());
    this.schedule.cancel("collect:github");
    await this.schedule.arm();
  }

  // ── Reads ─────────────────────────────────────────────────────────────────────────

  snapshot(): Snapshot {
    const info = this.info();
    const settings = loadSettings(this.sql);
    return {
      workspace: { id: info?.id ?? "", name: info?.name ?? "" },
      seq: this.log.lastSeq,
      metrics: this.metrics.cards("1h", settings.thresholds, new Date(), this.ruleStatus()),
      alerts: activeAlerts(this.sql, 200),
      incidents: this.incidents.list(100),
      deployments: this.deployments.list(50),
      pipelines: this.pipelines.list(20),
      awsServices: this.awsServices.list(),
      web3Networks: this.web3.list(),
      activity: this.activity.list(50),
      security: this.security.list(50),
      sources: this.listSources(),
    };
  }

  listMetrics(range: TimeRange): Metric[] {
    const thresholds = loadSettings(this.sql).thresholds;
    return this.metrics.cards(range, thresholds, new Date(), this.ruleStatus());
  }

  chart(metricId: string, range: TimeRange): Outcome<ChartDataPoint[]> {
    if (!this.metrics.has(metricId))
      return fail(404, "not_found", `No metric '${metricId}'.`, "metricId");
    return ok(this.metrics.chart(metricId, range, new Date()));
  }

  listAlerts(): Alert[] {
    return activeAlerts(this.sql, 500);
  }

  listIncidents(query: IncidentQuery): Incident[] {
    return this.incidents
      .list(500)
      .filter((i) => !query.status || (query.status === "resolved") === (i.status === "resolved"))
      .filter((i) => !query.severity || i.severity === query.severity);
  }

  listDeployments(query: DeploymentQuery): DeploymentRecord[] {
    return this.deployments.list(query.limit, { environment: query.environment });
  }

  listPipelines(limit: number): Pipeline[] {
    return this.pipelines.list(limit);
  }

  getPipeline(id: string): Outcome<Pipeline> {
    const pipeline = this.pipelines.get(id);
    return pipeline ? ok(pipeline) : fail(404, "not_found", `No pipeline '${id}'.`, "id");
  }

  listSecurity(query: SecurityQuery): SecurityScan[] {
    return this.security.list(query.limit, { status: query.status });
  }

  listAwsServices(): AwsService[] {
    return this.awsServices.list();
  }

  listWeb3(): Web3Network[] {
    return this.web3.list();
  }

  listActivity(limit: number): ActivityItem[] {
    return this.activity.list(limit);
  }

  listSources(): SourceStatus[] {
    const configured = new Set<string>(this.webhooks.kinds());
    if (this.networks.list(1).length > 0) configured.add("web3");
    return this.sources.list(
      loadSettings(this.sql),
      configured,
      staleAfter(loadIntervals(this.sql)),
    );
  }

  getSettings(): Settings {
    return viewSettings(loadSettings(this.sql));
  }

  /** Counts for the Prometheus endpoint and the status page. */
  stats(): WorkspaceStats {
    const info = this.info();
    const firing = this.alerts.countBy("severity", { status: "firing" });
    const incidents = this.incidents.countBy("status");
    return {
      workspace: { id: info?.id ?? "", name: info?.name ?? "" },
      sockets: this.ctx.getWebSockets(SOCKET_TAG).length,
      seq: this.log.lastSeq,
      storageBytes: this.sql.databaseSize,
      sources: this.listSources(),
      metrics: this.listMetrics("1h"),
      alertsFiring: {
        info: firing.info ?? 0,
        warning: firing.warning ?? 0,
        error: firing.error ?? 0,
        critical: firing.critical ?? 0,
      },
      incidentsOpen: Object.entries(incidents)
        .filter(([status]) => status !== "resolved")
        .reduce((sum, [, n]) => sum + n, 0),
    };
  }

  // ── Public status page ────────────────────────────────────────────────────────────

  getStatusPage(): StatusPageConfig {
    return loadStatusPage(this.sql);
  }

  /** Replaces the status page configuration (admin); takes effect as the public cache expires. */
  setStatusPage(actor: Principal, config: StatusPageConfig): Outcome<StatusPageConfig> {
    const before = loadStatusPage(this.sql);
    const now = new Date();
    this.ctx.storage.transactionSync(() => {
      saveStatusPage(this.sql, config);
      this.audit.record(actor, "status-page.update", "status-page", { before, after: config }, now);
    });
    return ok(config);
  }

  /**
   * The anonymous view of the status page (names and states only), or undefined when the
   * workspace does not exist or has not opted in. The Worker caches the answer per location
   * (worker/lib/public-status-cache.ts), so this runs about twice a minute per location, not
   * once per viewer.
   * @example const view = await env.WORKSPACE.getByName("demo").publicStatus()
   */
  publicStatus(): PublicStatus | undefined {
    if (!this.info()) return undefined;
    const config = loadStatusPage(this.sql);
    if (!config.enabled) return undefined;
    return publicView(
      config,
      {
        sources: () => this.listSources(),
        metrics: () => this.listMetrics("1h"),
        openAlerts: () => openAlertCounts(this.sql),
      },
      new Date(),
    );
  }

  // ── Commands ──────────────────────────────────────────────────────────────────────

  /** `origin`: the dashboard's address as the admin reached it, for links in notifications. */
  async updateSettings(
    actor: Principal,
    input: SettingsInput,
    origin?: string,
  ): Promise<Outcome<Settings>> {
    if (origin) this.notifier.rememberOrigin(origin);
    const box = await this.box();
    if (!box)
      return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
    const before = loadSettings(this.sql);
    const after = await mergeSettings(box, before, input);
    const now = new Date();
    const changes = this.ctx.storage.transactionSync(() => {
      saveSettings(this.sql, after);
      this.audit.record(
        actor,
        "settings.update",
        "settings",
        { before: viewSettings(before), after: viewSettings(after) },
        now,
      );
      return rejudgeThresholds(this.judgeDeps(), before.thresholds, after.thresholds, now);
    });
    if (changes) {
      this.publishAlerts(now);
      this.addActivity(activityFor("threshold", changes, now), now);
    }
    this.publish({ type: "sources", payload: this.listSources() }, now);
    this.publish(
      {
        type: "metrics",
        payload: this.metrics.cards("1h", after.thresholds, now, this.ruleStatus()),
      },
      now,
    );
    if (input.integrations?.github) await this.scheduleGithub(now);
    return ok(viewSettings(after));
  }

  /**
   * Pushed samples are stored and, like collected ones, judged against the cpu/memory/disk
   * thresholds and the alert rules: a crossing raises or resolves an alert through the shared
   * alert lifecycle.
   */
  ingestMetricSamples(actor: Principal, body: MetricSamplesBody): Outcome<{ accepted: number }> {
    const now = new Date();
    const thresholds = loadSettings(this.sql).thresholds;
    const outcome = this.ctx.storage.transactionSync(() => {
      const result = this.metrics.ingest(body.samples, body.source, now);
      if (!result.ok) return { result, changes: undefined };
      const changes = judgeSamples(this.judgeDeps(), body.samples, thresholds, "api", now);
      return { result, changes };
    });
    if (!outcome.result.ok) return outcome.result;
    this.publish({ type: "metrics", payload: this.listMetrics("1h") }, now);
    if (outcome.changes) {
      this.publishAlerts(now);
      this.addActivity(activityFor("threshold", outcome.changes, now), now);
    }
    return outcome.result;
  }

  // ── Alert rules: thresholds on any metric ─────────────────────────────────────────

  /** @example await stub.listAlertRules({ metric: "latency.p99" }) */
  listAlertRules(query: AlertRuleQuery): AlertRule[] {
    return this.alertRules.list(query.metric);
  }

  /**
   * Creates a rule (domain/alert-rule-actions.ts) and judges it at once against its metric.
   * @example await stub.createAlertRule(principal, { metric: "queue.depth", comparator: "gte", value: 100, severity: "critical" })
   */
  createAlertRule(actor: Principal, body: CreateAlertRuleBody): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(createRule(this.ruleDeps(), actor, body, now), now);
  }

  updateAlertRule(actor: Principal, id: string, body: UpdateAlertRuleBody): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(updateRule(this.ruleDeps(), actor, id, body, now), now);
  }

  /** Deletes a rule; its open breach resolves. */
  deleteAlertRule(actor: Principal, id: string): Outcome<AlertRule> {
    const now = new Date();
    return this.ruleChanged(deleteRule(this.ruleDeps(), actor, id, now), now);
  }

  /** Broadcasts what judging a rule changed: the alerts, and the cards' statuses. */
  private ruleChanged(outcome: Outcome<RuleChange>, now: Date): Outcome<AlertRule> {
    if (!outcome.ok) return outcome;
    const { rule, changes } = outcome.value;
    if (changes) {
      this.publish({ type: "metrics", payload: this.listMetrics("1h") }, now);
      this.publishAlerts(now);
      this.addActivity(activityFor("threshold", changes, now), now);
    }
    return ok(rule);
  }

  private judgeDeps(): MetricJudgeDeps {
    return {
      metrics: this.metrics,
      alerts: this.alerts,
      silences: this.silences,
      episodes: new ThresholdEpisodes(this.sql),
      rules: this.alertRules,
    };
  }

  private ruleDeps() {
    return {
      ...this.judgeDeps(),
      audit: this.audit,
      transaction: <T>(fn: () => T) => this.ctx.storage.transactionSync(fn),
    };
  }

  /** Metric card status from breached alert rules (see `breachedStatus`). */
  private ruleStatus() {
    return breachedStatus(this.alertRules.list(), new ThresholdEpisodes(this.sql).load());
  }

  // ── Alerts in: Alertmanager, Grafana, PagerDuty-style; silences and maintenance ──

  /**
   * Alertmanager webhook. The bearer token selects the integration; an unknown token is
   * counted as a rejection on every Alertmanager integration of the workspace (one of them
   * is misconfigured, typically after a rotation). The batch is applied in one transaction.
   * @example await stub.receiveAlertmanager(token, validated(AlertmanagerPayload, body, "…"))
   */
  async receiveAlertmanager(
    token: string,
    delivery: HookOutcome<AlertmanagerPayload>,
  ): Promise<HookOutcome<AlertBatchResult>> {
    const now = new Date();
    const integrationId = await this.webhooks.byCredential("alertmanager", token, now);
    if (!integrationId) {
      const detail = "A delivery was refused: its bearer token is unknown or rotated out.";
      this.webhooks.record(this.webhooks.idsOfKind("alertmanager"), "rejected", now, detail);
      return hookFailure(401, "unauthenticated", "The bearer token is not valid here.");
    }
    if (!delivery.ok) {
      this.webhooks.record([integrationId], "rejected", now, delivery.detail);
      return delivery;
    }
    const incoming = normaliseAlerts("alertmanager", delivery.value);
    return ok(await this.ingestAlerts("alertmanager", integrationId, incoming, now));
  }

  /**
   * Grafana webhook: the HMAC over the raw body picks the integration (any of the
   * workspace's Grafana secrets may match); only then is the body parsed.
   */
  async receiveGrafana(
    body: Uint8Array,
    headers: Record<string, string>,
  ): Promise<HookOutcome<AlertBatchResult>> {
    const now = new Date();
    const box = await this.box();
    if (!box)
      return hookFailure(
        503,
        "secrets_key_missing",
        "SECRETS_KEY is not configured on the server.",
      );
    const candidates = await this.webhooks.hmacCandidates(box, "grafana", now);
    if (candidates.length === 0)
      return hookFailure(
        404,
        "integration_not_found",
        "This workspace has no Grafana integration.",
      );
    const verified = await verifyGrafana(candidates, body, headers, now);
    if (!verified.ok) {
      this.webhooks.record(this.webhooks.idsOfKind("grafana"), "rejected", now, verified.detail);
      return verified;
    }
    const json = decodeJsonObject(body);
    const delivery = json.ok
      ? validated(GrafanaPayload, json.value, "Grafana webhook payload (version 1)")
      : json;
    if (!delivery.ok) {
      this.webhooks.record([verified.value], "rejected", now, delivery.detail);
      return delivery;
    }
    const incoming = normaliseAlerts("grafana", delivery.value);
    return ok(await this.ingestAlerts("grafana", verified.value, incoming, now));
  }

  /**
   * PagerDuty Events v2 `enqueue`: the routing key selects the integration; a flood from
   * one key gets 429 with Retry-After. Ack or resolve of an unknown key changes nothing.
   */
  async receivePagerDuty(
    routingKey: string,
    delivery: HookOutcome<PagerDutyEvent>,
  ): Promise<HookOutcome<PagerDutyResult>> {
    const now = new Date();
    const admitted = await this.admitPagerDuty(routingKey, delivery, now);
    if (!admitted.ok) return admitted;
    const { integrationId, event } = admitted.value;
    const change = this.ctx.storage.transactionSync(() => {
      const applied = this.pagerDuty.apply(event, integrationId, now);
      this.webhooks.record([integrationId], applied.kind === "none" ? "ignored" : "accepted", now);
      return applied;
    });
    if (change.kind !== "none") {
      await this.alertsChanged(now);
      const created = change.kind === "created" && change.alert ? [change.alert] : [];
      const resolved = change.kind === "resolved" && change.alert ? [change.alert] : [];
      this.queueActivity(activityFor("pagerduty", { created, resolved }, now));
    }
    this.reportLive("pagerduty", now);
    return ok({
      outcome: change.kind === "none" ? "ignored" : "accepted",
      dedupKey: change.dedupKey,
      alertId: change.alert?.id,
    });
  }

  /** PagerDuty change events (deploys, config changes) become activity feed items. */
  async receivePagerDutyChange(
    routingKey: string,
    delivery: HookOutcome<PagerDutyChangeEvent>,
  ): Promise<HookOutcome<{ outcome: "accepted" }>> {
    const now = new Date();
    const admitted = await this.admitPagerDuty(routingKey, delivery, now);
    if (!admitted.ok) return admitted;
    this.webhooks.record([admitted.value.integrationId], "accepted", now);
    this.addActivity([changeActivity(admitted.value.event, now)], now);
    this.reportLive("pagerduty", now);
    return ok({ outcome: "accepted" });
  }

  listSilences(kind: SilenceKind, query: SilenceQuery): Silence[] {
    return this.silences.list(kind, new Date(), query.state);
  }

  getSilence(kind: SilenceKind, id: string): Outcome<Silence> {
    const silence = this.silences.get(kind, id, new Date());
    return silence ? ok(silence) : fail(404, "not_found", `No ${kind} '${id}'.`, "id");
  }

  /** Creates a silence or maintenance window; matching open alerts are suppressed at once. */
  async createSilence(
    actor: Principal,
    kind: SilenceKind,
    body: CreateSilenceBody | CreateMaintenanceBody,
  ): Promise<Outcome<Silence>> {
    const now = new Date();
    const created = this.silences.create(kind, body, actor.name, now);
    if (!created.ok) return created;
    this.audit.record(actor, `${kind}.create`, created.value.id, { after: created.value }, now);
    this.reapplySilences(now);
    await this.scheduleSilenceBoundary(now);
    return created;
  }

  /** Ends a silence or window now; idempotent for one already over. */
  async expireSilence(actor: Principal, kind: SilenceKind, id: string): Promise<Outcome<Silence>> {
    const now = new Date();
    const expired = this.silences.expire(kind, id, actor.name, now);
    if (!expired.ok) return expired;
    const { before, after, changed } = expired.value;
    if (changed) {
      this.audit.record(actor, `${kind}.expire`, id, { before, after }, now);
      this.reapplySilences(now);
      await this.scheduleSilenceBoundary(now);
    }
    return ok(after);
  }

  /** Applies one Alertmanager/Grafana batch atomically, then broadcasts what changed. */
  private async ingestAlerts(
    source: "alertmanager" | "grafana",
    integrationId: string,
    incoming: IncomingAlert[],
    now: Date,
  ): Promise<AlertBatchResult> {
    const changes = this.ctx.storage.transactionSync(() => {
      const applied = applyAlerts(this.alerts, this.silences, source, incoming, integrationId, now);
      this.webhooks.record([integrationId], incoming.length ? "accepted" : "ignored", now);
      return applied;
    });
    if (incoming.length) await this.alertsChanged(now);
    this.queueActivity(activityFor(source, changes, now));
    this.reportLive(source, now);
    const all = [...changes.created, ...changes.repeated, ...changes.resolvedUnseen];
    return {
      status: "success",
      outcome: incoming.length ? "accepted" : "ignored",
      created: changes.created.length,
      repeated: changes.repeated.length,
      resolved: changes.resolved.length + changes.resolvedUnseen.length,
      suppressed: all.filter((a) => a.status === "suppressed").length,
    };
  }

  /** Routing key → integration, then the per-key rate limit, then the body's validity. */
  private async admitPagerDuty<T>(
    routingKey: string,
    delivery: HookOutcome<T>,
    now: Date,
  ): Promise<HookOutcome<{ integrationId: string; event: T }>> {
    const integrationId = await this.webhooks.byCredential("pagerduty", routingKey, now);
    if (!integrationId)
      return hookFailure(404, "routing_key_unknown", "No integration has this routing key.");
    const allowed = this.pagerDutyBuckets.take(integrationId, now.getTime());
    if (!allowed.ok)
      return hookFailure(429, "rate_limited", "Events for this routing key arrive too fast.", {
        retryAfterSeconds: allowed.retryAfterSeconds,
      });
    if (!delivery.ok) {
      this.webhooks.record([integrationId], "rejected", now, delivery.detail);
      return delivery;
    }
    return ok({ integrationId, event: delivery.value });
  }

  /** A webhook source is live; its timestamp alone is broadcast at most once a minute. */
  private reportLive(id: "alertmanager" | "grafana" | "pagerduty", now: Date): void {
    const t = now.getTime();
    const seen = this.liveReports.get(id);
    // Under sustained ingest the stored report is refreshed every few seconds, not per event.
    if (seen && t - seen.written < 5_000) return;
    const at = now.toISOString();
    const previous = seen ? undefined : this.listSources().find((s) => s.id === id);
    this.sources.report({ id, status: "live", lastSuccessAt: at, lastAttemptAt: at });
    const lastSent =
      seen?.sent ??
      (previous?.status === "live" && previous.lastSuccessAt
        ? Date.parse(previous.lastSuccessAt)
        : 0);
    const send = t - lastSent > 60_000;
    if (send) this.publish({ type: "sources", payload: this.listSources() }, now);
    this.liveReports.set(id, { written: t, sent: send ? t : lastSent });
  }

  /**
   * Alert frames carry the whole list (the contract): each costs a list read and a list-sized
   * send to every socket, work the object does while senders wait for their answer. So they
   * leave from the `publish-alerts` alarm task, never inside a delivery, and under sustained
   * ingest at most one per `alertGap` ms, a gap that grows with frame size × sockets.
   */
  private async alertsChanged(now: Date): Promise<void> {
    const at = Math.max(now.getTime(), this.lastAlertFrame + this.alertGap);
    await this.schedule.ensure("publish-alerts", at);
  }

  private flushAlerts(now: number): void {
    this.schedule.cancel("publish-alerts");
    this.lastAlertFrame = now;
    this.publishAlerts(new Date(now));
    this.publishQueuedActivity(new Date(now));
    const sockets = this.ctx.getWebSockets(SOCKET_TAG).length;
    this.alertGap = alertFrameGap(lastEventBytes(this.sql), sockets);
  }

  private reapplySilences(now: Date): void {
    if (reapplySilences(this.alerts, this.silences, now) > 0) this.publishAlerts(now);
  }

  /** Points the `silences` alarm task at the next start or end of any silence. */
  private async scheduleSilenceBoundary(now: Date): Promise<void> {
    const next = this.silences.nextBoundary(now);
    if (next !== undefined) return this.schedule.set("silences", next);
    this.schedule.cancel("silences");
    await this.schedule.arm();
  }

  // ── People acting: alerts, incidents, idempotency, rate limits ───────────────────

  /**
   * Authenticates a mutation and charges its token's rate limit in one call.
   * @example const a = await stub.admit({ kind: "token", secret }); if (a.result === "admitted") …
   */
  async admit(credential: Credential): Promise<Admission> {
    const principal = await this.authenticate(credential);
    if (!principal) return { result: "unauthenticated" };
    const charge = this.mutationBuckets.take(principal.tokenId, Date.now());
    if (charge.ok) return { result: "admitted", principal };
    return {
      result: "rate_limited",
      tokenName: principal.name,
      retryAfterSeconds: charge.retryAfterSeconds,
    };
  }

  /** The alert (dismissed ones too) and the changes that finished shortly before it began. */
  getAlert(id: string): Outcome<AlertDetail> {
    const alert = this.alerts.get(id);
    if (!alert) return fail(404, "not_found", `No alert '${id}'.`, "id");
    const correlated = correlate(alert, this.deployments.list(1000), this.pipelines.list(1000));
    return ok({ alert, correlated });
  }

  /** @example await stub.acknowledgeAlert(principal, "am.abc.1700000000000", "on it") */
  acknowledgeAlert(actor: Principal, id: string, notes?: string): Outcome<Alert> {
    return this.actOnAlert(actor, id, "acknowledge", notes, (alert, now) =>
      acknowledge(alert, actor, notes, now),
    );
  }

  resolveAlert(actor: Principal, id: string, notes?: string): Outcome<Alert> {
    return this.actOnAlert(actor, id, "resolve", notes, (alert, now) =>
      resolve(alert, actor, notes, now),
    );
  }

  /** Takes the alert off every list; the record stays for the audit trail. Idempotent. */
  dismissAlert(actor: Principal, id: string): Outcome<Alert> {
    return this.actOnAlert(actor, id, "dismiss", undefined, (alert, now) =>
      ok(dismiss(alert, actor, now)),
    );
  }

  getIncident(id: string): Outcome<IncidentDetail> {
    const incident = this.incidents.get(id);
    if (!incident) return fail(404, "not_found", `No incident '${id}'.`, "id");
    const alerts = incident.alertIds.flatMap((alertId) => this.alerts.get(alertId) ?? []);
    return ok({ incident, alerts });
  }

  /** Opens an incident for one or several alerts; each alert gets its `incidentId`. */
  createIncident(actor: Principal, body: CreateIncidentBody): Outcome<Incident> {
    const ids = requestedAlertIds(body);
    const checked = checkAlerts(
      ids,
      (id) => this.alerts.get(id),
      (id) => this.incidents.get(id),
    );
    if (!checked.ok) return checked;
    const now = new Date();
    const incident = newIncident(body, ids, actor, now);
    this.ctx.storage.transactionSync(() => {
      this.incidents.put(incident);
      for (const alert of checked.value) this.alerts.put({ ...alert, incidentId: incident.id });
      this.audit.record(actor, "incident.create", incident.id, { after: incident }, now);
    });
    this.publishIncidents(now);
    this.publishAlerts(now);
    this.addActivity([incidentActivity(incident, "opened", incident.description, actor, now)], now);
    return ok(incident);
  }

  /** A status change (or an update at the same status) appended to the timeline. */
  updateIncident(actor: Principal, id: string, body: IncidentUpdateBody): Outcome<Incident> {
    const before = this.incidents.get(id);
    if (!before) return fail(404, "not_found", `No incident '${id}'.`, "id");
    const now = new Date();
    const updated = applyUpdate(before, body, actor, now);
    if (!updated.ok) return updated;
    const after = updated.value;
    this.ctx.storage.transactionSync(() => {
      this.incidents.put(after);
      this.audit.record(actor, "incident.update", id, { before, after }, now);
    });
    this.publishIncidents(now);
    this.addActivity([incidentActivity(after, body.status, body.message, actor, now)], now);
    return ok(after);
  }

  /**
   * Idempotency-Key check-and-claim for one token's request (see store/idempotency.ts).
   * @example await stub.claimIdempotency(principal.tokenId, key, sha256(method+path+body))
   */
  async claimIdempotency(
    tokenId: string,
    key: string,
    fingerprint: string,
  ): Promise<IdempotencyClaim> {
    const claim = this.idempotency.claim(tokenId, key, fingerprint, Date.now());
    if (claim.state !== "stored") return claim;
    const response = await this.idempotency.open(claim.sealed, await this.box());
    return response
      ? { state: "replay", response }
      : { state: "unreplayable", status: claim.status };
  }

  async completeIdempotency(
    tokenId: string,
    key: string,
    claimId: string,
    response: StoredResponse,
  ): Promise<void> {
    const box = await this.box();
    await this.idempotency.complete(tokenId, key, claimId, response, box, Date.now());
  }

  releaseIdempotency(tokenId: string, key: string, claimId: string): void {
    this.idempotency.release(tokenId, key, claimId);
  }

  /** Load, decide, then store + audit + broadcast only when something changed. */
  private actOnAlert(
    actor: Principal,
    id: string,
    action: "acknowledge" | "resolve" | "dismiss",
    note: string | undefined,
    decide: (alert: Alert, now: Date) => Outcome<AlertChange>,
  ): Outcome<Alert> {
    const alert = this.alerts.get(id);
    if (!alert) return fail(404, "not_found", `No alert '${id}'.`, "id");
    const now = new Date();
    const decided = decide(alert, now);
    if (!decided.ok) return decided;
    const { before, after, changed } = decided.value;
    if (!changed) return ok(after);
    this.ctx.storage.transactionSync(() => {
      this.alerts.put(after);
      this.audit.record(actor, `alert.${action}`, id, { before, after }, now);
    });
    this.publishAlerts(now);
    this.addActivity([alertActivity(action, after, actor, note, now)], now);
    return ok(after);
  }

  /**
   * One GitHub webhook delivery, raw bytes and headers as received; the rules (signature,
   * rotation, idempotency by delivery id, mapping) are in domain/github-ingest.ts.
   * @example await stub.ingestGithub({ event: "ping", deliveryId, signature256, contentType: "application/json", body })
   */
  async ingestGithub(delivery: GithubDelivery): Promise<Outcome<GithubDeliveryResult>> {
    return ingestGithub(
      {
        exists: () => this.info() !== undefined,
        box: () => this.box(),
        webhooks: this.webhooks,
        pipelines: this.pipelines,
        deployments: this.deployments,
        security: this.security,
        activity: this.activity,
        sources: this.sources,
        listSources: () => this.listSources(),
        transaction: (fn) => this.ctx.storage.transactionSync(fn),
        publish: (event, now) => this.publish(event, now),
        addActivity: (items, now) => this.addActivity(items, now),
      },
      delivery,
      new Date(),
    );
  }

  // ── Notifications out: Slack and the signed webhook ──────────────────────────────

  /** Per channel: active or why not, last success and error, pending and dropped counts. */
  getNotifications(): NotificationsView {
    return notificationsView(loadSettings(this.sql), (c) => this.outbox.channel(c));
  }

  /** Recent outbox messages, newest first; hosts only, never a URL or secret. */
  listNotificationDeliveries(limit: number): NotificationDelivery[] {
    return this.outbox.list(limit);
  }

  /**
   * Sends a test message now (not through the outbox) and reports the provider's answer.
   * @example await stub.testNotification(principal, { channel: "slack" }, "https://opsdeck.example.com")
   */
  async testNotification(
    actor: Principal,
    body: NotificationTestBody,
    origin?: string,
  ): Promise<ActionOutcome<NotificationTestResult>> {
    const now = new Date();
    if (origin) this.notifier.rememberOrigin(origin);
    const { channel } = body;
    const target = await resolveTarget(channel, loadSettings(this.sql), await this.box(), {
      allowLoopback: this.env.ALLOW_LOOPBACK_URLS === "true",
      forQueue: false,
    });
    if (!target.ok)
      return fail(target.code === "secrets_key_missing" ? 503 : 409, target.code, target.reason);
    const event = this.notifier.testEvent(now);
    const attempt = await send(target.target, event, crypto.randomUUID(), now.getTime());
    const result: NotificationTestResult = {
      success: attempt.outcome === "delivered",
      channel,
      status: attempt.status ?? 0,
      detail: attempt.detail,
    };
    const done = new Date();
    this.outbox.recordSent(
      channel,
      event,
      { ok: result.success, ...attempt },
      target.target.host,
      done.getTime(),
    );
    this.audit.record(actor, "notification.test", channel, { after: result }, done);
    this.reportChannel(channel, done);
    if (result.success) return ok(result);
    const who = channel === "slack" ? "Slack" : `The webhook at ${target.target.host}`;
    const answered = attempt.status !== undefined && attempt.status < 500 && attempt.status !== 429;
    return {
      ...fail(
        answered ? 502 : 503,
        "upstream_error",
        `${who} did not accept the test message: ${attempt.detail}`,
      ),
      ...(attempt.retryAfterMs !== undefined
        ? { retryAfterSeconds: Math.ceil(attempt.retryAfterMs / 1000) }
        : {}),
    };
  }

  /** The `notify` task: sends what is due, then waits for the next retry or new message. */
  private async drainNotifications(now: number): Promise<void> {
    // Other events interleave while a message is in flight; a second drain then would send
    // the same head twice. The running one picks up what is queued meanwhile.
    if (this.draining) return this.schedule.write("notify", now + 1_000);
    this.draining = true;
    try {
      await this.drainOnce(now);
    } finally {
      this.draining = false;
    }
  }

  private async drainOnce(now: number): Promise<void> {
    this.schedule.cancel("notify");
    const box = await this.box();
    const wake = await drainOutbox({
      outbox: this.outbox,
      now: () => Date.now(),
      target: (channel) =>
        resolveTarget(channel, loadSettings(this.sql), box, {
          allowLoopback: this.env.ALLOW_LOOPBACK_URLS === "true",
          forQueue: true,
        }),
    });
    // A message queued while this run was sending has already asked for an earlier run.
    const queued = this.schedule.dueAt("notify");
    if (wake !== undefined && (queued === undefined || wake < queued))
      this.schedule.write("notify", wake);
    const at = new Date(Math.max(now, Date.now()));
    for (const channel of ["slack", "webhook"] as const) this.reportChannel(channel, at);
  }

  /** Points the `notify` task at `at` (earlier wins); the alarm follows once this turn ends. */
  private notifyAt(at: number): void {
    const due = this.schedule.dueAt("notify");
    if (due !== undefined && due <= at) return;
    this.schedule.write("notify", at);
    // Called inside the transaction that queued the message, where the alarm cannot be set:
    // a microtask runs right after it commits, still within this request.
    queueMicrotask(() => {
      this.schedule.arm().catch((error: unknown) => {
        console.error("Workspace:notifyAt", logSafe(error));
      });
    });
  }

  /** A channel's delivery state as its source on the strip, broadcast when it changed. */
  private reportChannel(channel: NotificationChannel, now: Date): void {
    const status = channelSource(channel, this.outbox.channel(channel));
    if (!status) return;
    const before = this.sources.get(channel);
    if (JSON.stringify(before) === JSON.stringify(status)) return;
    this.sources.report(status);
    this.publish({ type: "sources", payload: this.listSources() }, now);
  }

  // ── Live sockets ──────────────────────────────────────────────────────────────────

  /**
   * Upgrades a WebSocket whose credential the Worker has vetted (shape, workspace) and this
   * object now authenticates, in the same call.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    }
    const credential = SocketCredential.safeParse(
      safeJson(request.headers.get(CREDENTIAL_HEADER) ?? ""),
    );
    const resolved =
      credential.success && this.info()
        ? await this.access.resolveWithSession(credential.data, new Date())
        : undefined;
    if (!resolved) return new Response("Invalid, expired or revoked credential", { status: 401 });
    const { 0: client, 1: server } = new WebSocketPair();
    const attachment: SocketAttachment = {
      opsdeck: 1,
      principal: resolved.principal,
      connectedSeq: this.log.lastSeq,
      connectedAt: new Date().toISOString(),
      session: resolved.session,
    };
    this.ctx.acceptWebSocket(server, [SOCKET_TAG]);
    server.serializeAttachment(attachment);
    // Sent before the 101 is returned: the runtime queues them, so the snapshot (or the
    // missed events) always precedes any broadcast this socket receives.
    this.catchUp(server, parseSeq(new URL(request.url).searchParams.get("lastSeq")));
    await this.ensureHeartbeat();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const size =
        typeof message === "string"
          ? new TextEncoder().encode(message).byteLength
          : message.byteLength;
      if (size > MAX_CLIENT_FRAME_BYTES) return closeQuietly(ws, 1009, "frame too large");
      if (typeof message !== "string") return closeQuietly(ws, 1003, "text frames only");
      // A socket whose attachment no longer parses (foreign, or from an incompatible
      // version) has no principal we could authorize: make the client reconnect.
      if (!attachmentOf(ws)) return closeQuietly(ws, 1008, "session unknown; reconnect");
      const frame = ClientFrame.safeParse(safeJson(message));
      if (!frame.success) {
        return this.sendError(
          ws,
          "invalid_frame",
          "Expected {type:'ping'|'pong'|'resume', …} JSON.",
        );
      }
      if (frame.data.type === "resume") this.catchUp(ws, frame.data.lastSeq);
      else if (frame.data.type === "ping") ws.send(PONG_FRAME);
    } catch (error) {
      console.error("Workspace:webSocketMessage", logSafe(error));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Reciprocate so workerd releases the socket instead of leaving it half-open.
    if (!isReservedCloseCode(code)) closeQuietly(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn("Workspace:webSocketError", logSafe(error));
    closeQuietly(ws, 1011, "socket error");
  }

  /**
   * Alarm: runs every task whose stored due time has come, then re-points the single alarm
   * at the earliest remaining one. Add a task by naming it in `alarmTasks` and scheduling it
   * with `this.schedule`. Safe to run twice: a task that ran has moved its due time on. A
   * task that throws is retried on its own a minute later; letting it fail the whole alarm
   * would, after the runtime's six retries, drop the alarm and stall every other task.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const task of this.schedule.due(now)) {
      const run = this.alarmTasks[task];
      // An unknown name (a task from another version) would otherwise re-fire forever.
      if (!run) {
        this.schedule.cancel(task);
        continue;
      }
      try {
        await run(now);
      } catch (error) {
        console.error(`Workspace:alarm ${task}`, logSafe(error));
        this.schedule.write(task, now + TASK_RETRY_MS);
      }
    }
    await this.schedule.arm();
  }

  private readonly alarmTasks: Record<string, (now: number) => void | Promise<void>> = {
    heartbeat: (now) => this.heartbeat(now),
    silences: (now) => this.silenceBoundary(now),
    "publish-alerts": (now) => this.flushAlerts(now),
    "collect:web3": async (now) => void (await this.runJob("web3", new Date(now))),
    "collect:github": async (now) => void (await this.runJob("github", new Date(now))),
    "collect:aws": async (now) => void (await this.runJob("aws", new Date(now))),
    notify: (now) => this.drainNotifications(now),
  };

  /** Server ping every 30 s while sockets are open; stops itself when the last one is gone. */
  private heartbeat(now: number): void {
    if (this.ctx.getWebSockets(SOCKET_TAG).length === 0) return this.schedule.cancel("heartbeat");
    broadcast(this.ctx, {
      type: "ping",
      payload: null,
      seq: this.log.lastSeq,
      ts: new Date().toISOString(),
    });
    this.schedule.write("heartbeat", now + HEARTBEAT_MS);
  }

  /** A silence started or ended: re-apply silences, then wait for the next boundary. */
  private silenceBoundary(now: number): void {
    const at = new Date(now);
    this.reapplySilences(at);
    const next = this.silences.nextBoundary(at);
    if (next === undefined) this.schedule.cancel("silences");
    else this.schedule.write("silences", next);
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────

  /** Appends to the event log and fans out; the storage write and sends share one output gate. */
  private publish(event: ChangeEvent, now: Date): void {
    broadcast(this.ctx, this.log.append(event, now));
  }

  /** Publishes the current alert list (what `alerts` frames carry). */
  private publishAlerts(now: Date): void {
    if (now.getTime() - this.lastAlertPrune > ALERT_PRUNE_EVERY_MS) {
      this.lastAlertPrune = now.getTime();
      pruneClosedAlerts(this.sql, now);
    }
    this.publish({ type: "alerts", payload: activeAlerts(this.sql, 200) }, now);
  }

  private publishIncidents(now: Date): void {
    this.publish({ type: "incidents", payload: this.incidents.list(100) }, now);
  }

  /** Stores new activity items and publishes just them (clients prepend). */
  private addActivity(items: ActivityItem[], now: Date): void {
    if (items.length === 0) return;
    this.storeActivity(items);
    this.publish({ type: "activity", payload: items }, now);
  }

  /**
   * Activity from a sender's delivery: stored now, sent with the next paced alert frame, so a
   * burst of deliveries costs the sockets one activity frame per alert frame, not one each.
   */
  private queueActivity(items: ActivityItem[]): void {
    if (items.length === 0) return;
    this.storeActivity(items);
    new PendingActivity(this.sql).add(items.map((i) => i.id));
  }

  private storeActivity(items: ActivityItem[]): void {
    for (const item of items) this.activity.put(item);
    this.activity.trim(1000);
  }

  /** One frame for every queued item still stored, newest first as the feed reads. */
  private publishQueuedActivity(now: Date): void {
    const items = new PendingActivity(this.sql)
      .take()
      .flatMap((id) => this.activity.get(id) ?? [])
      // Stable: a delivery's own items keep their order.
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    if (items.length > 0) this.publish({ type: "activity", payload: items }, now);
  }

  private catchUp(ws: WebSocket, lastSeq: number | undefined): void {
    const missed = lastSeq === undefined ? undefined : this.log.since(lastSeq);
    if (missed) {
      for (const frame of missed) sendFrame(ws, frame);
      return;
    }
    const snapshot = this.snapshot();
    sendFrame(ws, {
      type: "snapshot",
      payload: snapshot,
      seq: snapshot.seq,
      ts: new Date().toISOString(),
    });
  }

  private sendError(ws: WebSocket, code: string, message: string): void {
    sendFrame(ws, {
      type: "error",
      payload: { code, message },
      seq: this.log.lastSeq,
      ts: new Date().toISOString(),
    });
  }

  private async ensureHeartbeat(): Promise<void> {
    await this.schedule.ensure("heartbeat", Date.now() + HEARTBEAT_MS);
  }

  private async box(): Promise<SecretBox | undefined> {
    this.secretBox ??= await SecretBox.fromSetting(this.env.SECRETS_KEY);
    return this.secretBox;
  }
}

/** `?lastSeq=` as a non-negative integer; anything else means "no position" (snapshot). */
function parseSeq(raw: string | null): number | undefined {
  return raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
