import type {
  AlertRule,
  AwsIntegration,
  CollectionIntervals,
  GithubIntegrationView,
  NetworkView,
  NotificationsView,
  Principal,
  PrometheusIntegration,
  Settings,
  WebhookIntegration,
} from "../../schema";
import { AlertRuleTable } from "../components/alert-rules";
import { Age } from "../components/common";
import { ActionButton, ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { PrometheusSource } from "../components/prometheus-source";
import { can } from "../components/roles";
import type { Theme } from "../components/topbar";
import { html } from "../html";
import { DetailPage } from "./detail";
import { ChannelTable, EmailUnavailable } from "./settings-notifications";

export type SettingsData = {
  /** The integrations' own views, read by admins only (they carry owner, regions…). */
  github?: GithubIntegrationView;
  aws?: AwsIntegration;
  /** The Prometheus source (every role reads it; no credential in it). */
  prometheus?: PrometheusIntegration;
  settings: Settings;
  intervals: CollectionIntervals;
  networks: NetworkView[];
  /** Every alert rule of the workspace (all roles read them). */
  rules?: AlertRule[];
  /** Only admins may list webhook integrations. */
  webhooks?: WebhookIntegration[];
  notifications: NotificationsView;
};

/** A write-only secret: shown only as set or not, never its value. */
function Secret(props: { set: boolean }) {
  return props.set
    ? html`<span class="masked" aria-label="set, hidden">•••••••• (set)</span>`
    : html`<span class="meta">not set</span>`;
}

function SecretField(props: { id: string; name: string; label: string; set: boolean }) {
  return html`<div class="field">
    <label for=${props.id}>${props.label} <${Secret} set=${props.set} /></label>
    <input
      id=${props.id}
      name=${props.name}
      type="password"
      autocomplete="off"
      placeholder=${props.set ? "leave empty to keep the saved value" : ""}
    />
    ${
      props.set
        ? html`<div class="inline">
            <input type="checkbox" id=${`${props.id}-clear`} data-clears=${props.name} />
            <label for=${`${props.id}-clear`}>Remove the saved value</label>
          </div>`
        : null
    }
  </div>`;
}

function Check(props: { id: string; name: string; label: string; checked: boolean }) {
  return html`<div class="inline">
    <input type="checkbox" id=${props.id} name=${props.name} checked=${props.checked} />
    <label for=${props.id}>${props.label}</label>
  </div>`;
}

function Number_(props: {
  id: string;
  name: string;
  label: string;
  value: number;
  min: number;
  max: number;
}) {
  return html`<div class="field">
    <label for=${props.id}>${props.label}</label>
    <input
      id=${props.id}
      name=${props.name}
      type="number"
      data-type="number"
      min=${props.min}
      max=${props.max}
      step="1"
      required
      value=${props.value}
    />
  </div>`;
}

const AWS_SERVICES = ["ec2", "rds", "cloudwatch", "s3", "lambda"] as const;

/** GitHub collection and actions: owner, repositories, API URL, token (write-only). */
function GithubForm(props: { workspace: string; github: GithubIntegrationView }) {
  const g = props.github;
  return html`<p class="meta">
      ${
        g.collecting
          ? "Collecting deployments, runs and security alerts."
          : "Not collecting: it needs to be enabled, a token and at least one repository."
      }
    </p>
    <${ActionForm}
      url=${paths(props.workspace).api("integrations/github")}
      method="PUT"
      done="GitHub saved."
      submit="Save GitHub"
    >
      <${Check} id="gh-enabled" name="enabled" label="Enabled" checked=${g.enabled} />
      <${SecretField} id="gh-token" name="token" label="Token" set=${g.tokenSet} />
      <div class="field">
        <label for="gh-owner">Owner (user or organisation)</label>
        <input id="gh-owner" name="owner" required value=${g.owner ?? ""} />
      </div>
      <div class="field">
        <label for="gh-repos">Repositories (names, separated by commas)</label>
        <input
          id="gh-repos"
          name="repositories"
          data-type="list"
          required
          value=${g.repositories.join(", ")}
        />
      </div>
      <div class="field">
        <label for="gh-api">API URL (GitHub Enterprise Server)</label>
        <input id="gh-api" name="apiUrl" type="url" placeholder=${g.apiUrl} />
      </div>
    <//>`;
}

/** AWS: keys (write-only), regions and services: the grid's Add Service and Configure Regions. */
function AwsForm(props: { workspace: string; aws: AwsIntegration }) {
  const a = props.aws;
  return html`<${ActionForm}
    url=${paths(props.workspace).api("integrations/aws")}
    method="PUT"
    done="AWS saved."
    submit="Save AWS"
  >
    <${Check} id="aws-enabled" name="enabled" label="Enabled" checked=${a.enabled} />
    <${SecretField} id="aws-access" name="accessKey" label="Access key id" set=${a.accessKeySet} />
    <${SecretField}
      id="aws-secret"
      name="secretKey"
      label="Secret access key"
      set=${a.secretKeySet}
    />
    <div class="field" id="aws-regions">
      <label for="aws-region-list">Regions (separated by commas)</label>
      <input
        id="aws-region-list"
        name="regions"
        data-type="list"
        required
        value=${a.regions.join(", ")}
      />
    </div>
    <fieldset>
      <legend>Services</legend>
      ${AWS_SERVICES.map(
        (svc) =>
          html`<div class="inline">
            <input
              type="checkbox"
              id=${`aws-svc-${svc}`}
              name="services"
              value=${svc}
              data-list=""
              checked=${a.services.includes(svc)}
            />
            <label for=${`aws-svc-${svc}`}>${svc.toUpperCase()}</label>
          </div>`,
      )}
    </fieldset>
  <//>`;
}

/** Settings: notifications, thresholds, integrations (secrets write-only), collection. */
export function SettingsPage(props: {
  workspace: string;
  principal: Principal;
  theme?: Theme;
  data: SettingsData;
  now: number;
}) {
  const p = paths(props.workspace);
  const admin = can(props.principal.role, "admin");
  const { settings: s, intervals, networks } = props.data;
  const i = s.integrations;
  const save = (children: unknown, submit = "Save") =>
    admin
      ? html`<${ActionForm} url=${p.api("settings")} method="PUT" done="Saved." submit=${submit}
          >${children}<//
        >`
      : html`<fieldset disabled>${children}</fieldset>
          <p class="meta">Only an admin can change these.</p>`;
  return html`<${DetailPage}
    title="Settings"
    workspace=${props.workspace}
    principal=${props.principal}
    theme=${props.theme}
  >
    <article class="settings">
      <div class="detail-head"><h2 id="detail-title">Settings</h2></div>

      <section id="notifications">
        <h3>Notifications</h3>
        <${ChannelTable}
          workspace=${props.workspace}
          view=${props.data.notifications}
          admin=${admin}
          now=${props.now}
        />
        ${save(html`
          <${EmailUnavailable} checked=${s.notifications.email} />
          <${Check}
            id="n-slack"
            name="notifications.slack"
            label="Slack"
            checked=${s.notifications.slack}
          />
          <${Check}
            id="n-webhook"
            name="notifications.webhook"
            label="Webhook"
            checked=${s.notifications.webhook}
          />
          <div class="field">
            <label for="n-min">Least severity notified (alerts)</label>
            <select id="n-min" name="notifications.minSeverity">
              ${(["info", "warning", "error", "critical"] as const).map(
                (sev) =>
                  html`<option value=${sev} selected=${s.notifications.minSeverity === sev}>
                    ${sev}
                  </option>`,
              )}
            </select>
          </div>
        `)}
      </section>

      <section id="thresholds">
        <h3>Thresholds</h3>
        <p class="meta">
          cpu, memory and disk metrics turn warning 10 points below and critical at these
          percentages.
        </p>
        ${save(html`
          <${Number_}
            id="t-cpu"
            name="thresholds.cpu"
            label="CPU (%)"
            value=${s.thresholds.cpu}
            min=${0}
            max=${100}
          />
          <${Number_}
            id="t-memory"
            name="thresholds.memory"
            label="Memory (%)"
            value=${s.thresholds.memory}
            min=${0}
            max=${100}
          />
          <${Number_}
            id="t-disk"
            name="thresholds.disk"
            label="Disk (%)"
            value=${s.thresholds.disk}
            min=${0}
            max=${100}
          />
        `)}
      </section>

      <section id="alert-rules">
        <h3>Alert rules</h3>
        <p class="meta">
          Threshold rules on any metric; add one from a metric card's menu (Set Alert).
        </p>
        ${
          !props.data.rules?.length
            ? html`<p class="meta">No alert rule is set.</p>`
            : html`<${AlertRuleTable}
                workspace=${props.workspace}
                rules=${props.data.rules}
                role=${props.principal.role}
                showMetric=${true}
                after="reload"
              />`
        }
      </section>

      <section id="github">
        <h3>GitHub</h3>
        ${
          props.data.github
            ? html`<${GithubForm} workspace=${props.workspace} github=${props.data.github} />`
            : save(html`
                <${Check}
                  id="gh-enabled"
                  name="integrations.github.enabled"
                  label="Enabled"
                  checked=${i.github.enabled}
                />
                <${SecretField}
                  id="gh-token"
                  name="integrations.github.token"
                  label="Token"
                  set=${i.github.tokenSet}
                />
              `)
        }
      </section>

      <section id="aws">
        <h3>AWS</h3>
        ${
          props.data.aws
            ? html`<${AwsForm} workspace=${props.workspace} aws=${props.data.aws} />`
            : save(html`
                <${Check}
                  id="aws-enabled"
                  name="integrations.aws.enabled"
                  label="Enabled"
                  checked=${i.aws.enabled}
                />
                <${SecretField}
                  id="aws-access"
                  name="integrations.aws.accessKey"
                  label="Access key id"
                  set=${i.aws.accessKeySet}
                />
                <${SecretField}
                  id="aws-secret"
                  name="integrations.aws.secretKey"
                  label="Secret access key"
                  set=${i.aws.secretKeySet}
                />
              `)
        }
      </section>

      <section id="prometheus">
        <h3>Prometheus (as a source)</h3>
        <${PrometheusSource} prometheus=${props.data.prometheus} />
      </section>

      <section id="slack">
        <h3>Slack</h3>
        ${save(html`
          <${Check}
            id="sl-enabled"
            name="integrations.slack.enabled"
            label="Enabled"
            checked=${i.slack.enabled}
          />
          <${SecretField}
            id="sl-url"
            name="integrations.slack.webhookUrl"
            label="Incoming webhook URL"
            set=${i.slack.webhookUrlSet}
          />
        `)}
      </section>

      <section id="outbound-webhook">
        <h3>Signed webhook</h3>
        <p class="meta">
          Opsdeck POSTs each event as JSON signed per Standard Webhooks (webhook-id,
          webhook-timestamp, webhook-signature).
          ${i.webhook.urlHost ? html` Sends to <code>${i.webhook.urlHost}</code>.` : null}
        </p>
        ${save(html`
          <${Check}
            id="wh-out-enabled"
            name="integrations.webhook.enabled"
            label="Enabled"
            checked=${i.webhook.enabled}
          />
          <${SecretField}
            id="wh-out-url"
            name="integrations.webhook.url"
            label="URL (https)"
            set=${i.webhook.urlSet}
          />
          <${SecretField}
            id="wh-out-secret"
            name="integrations.webhook.secret"
            label="Signing secret (whsec_…)"
            set=${i.webhook.secretSet}
          />
        `)}
      </section>

      <section id="webhooks">
        <h3>Alert and event senders</h3>
        ${
          props.data.webhooks === undefined
            ? html`<p class="meta">Only an admin can see webhook integrations.</p>`
            : html`${
                  props.data.webhooks.length === 0
                    ? html`<p class="meta">
                        No sender is set up: Alertmanager, Grafana, PagerDuty-style and GitHub
                        senders each need one.
                      </p>`
                    : html`<div class="scroll">
                        <table>
                          <thead>
                            <tr>
                              <th scope="col">Name</th>
                              <th scope="col">Kind</th>
                              <th scope="col">Endpoint</th>
                              <th scope="col">Credential</th>
                              <th scope="col">Deliveries</th>
                              <th scope="col"><span class="visually-hidden">Actions</span></th>
                            </tr>
                          </thead>
                          <tbody>
                            ${props.data.webhooks.map(
                              (w) =>
                                html`<tr data-id=${w.id}>
                                  <td>${w.name}</td>
                                  <td>${w.kind}</td>
                                  <td><code>${w.endpoint}</code></td>
                                  <td><${Secret} set=${w.secretSet} /></td>
                                  <td class="num">
                                    ${w.stats.accepted} ok · ${w.stats.rejected}
                                    rejected${w.stats.refused > 0 ? html` · <span class="error" title="Refused at the workspace's open-alert limit; the sender retries them">${w.stats.refused} refused (open-alert limit)</span>` : null}${w.stats.lastDeliveryAt ? html` · last <${Age} at=${w.stats.lastDeliveryAt} now=${props.now} />` : null}${w.stats.lastError ? html`<br /><span class="error">${w.stats.lastError}</span>` : null}
                                  </td>
                                  <td>
                                    <${ActionButton}
                                      label="Rotate"
                                      url=${p.api(`integrations/webhooks/${encodeURIComponent(w.id)}/rotate`)}
                                      body="{}"
                                      done="Rotated; the new credential:"
                                      confirm="Press again to rotate"
                                    />
                                    <${ActionButton}
                                      label="Delete"
                                      url=${p.api(`integrations/webhooks/${encodeURIComponent(w.id)}`)}
                                      method="DELETE"
                                      done="Deleted."
                                      confirm="Press again to delete"
                                      danger=${true}
                                      after="reload"
                                    />
                                  </td>
                                </tr>`,
                            )}
                          </tbody>
                        </table>
                      </div>`
                }
                <h3>Add a sender</h3>
                <${ActionForm}
                  url=${p.api("integrations/webhooks")}
                  done="Created. Give the sender this credential now; it is not shown again:"
                  submit="Create"
                  show="credential"
                >
                  <div class="field">
                    <label for="wh-kind">Kind</label>
                    <select id="wh-kind" name="kind">
                      <option value="alertmanager">Alertmanager</option>
                      <option value="grafana">Grafana</option>
                      <option value="pagerduty">PagerDuty-style events</option>
                      <option value="github">GitHub</option>
                    </select>
                  </div>
                  <div class="field">
                    <label for="wh-name">Name</label>
                    <input id="wh-name" name="name" required maxlength="100" />
                  </div>
                <//>`
        }
      </section>

      <section id="networks">
        <h3>Web3 networks</h3>
        ${
          networks.length === 0
            ? html`<p class="meta">No network is watched.</p>`
            : html`<div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Chain</th>
                      <th scope="col">RPC host</th>
                      <th scope="col">Gas alert</th>
                      <th scope="col"><span class="visually-hidden">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${networks.map(
                      (n) =>
                        html`<tr data-id=${n.id}>
                          <td><a href=${p.network(n.id)}>${n.name}</a></td>
                          <td class="num">${n.chainId}</td>
                          <td><code>${n.rpcHost}</code></td>
                          <td class="num">
                            ${n.gasAlertGwei !== undefined ? `${n.gasAlertGwei} gwei` : "—"}
                          </td>
                          <td>
                            ${admin ? html`<${ActionButton} label="Remove" url=${p.api(`integrations/networks/${encodeURIComponent(n.id)}`)} method="DELETE" done="Removed." confirm="Press again to remove" danger=${true} after="reload" />` : null}
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
        ${
          admin
            ? html`<h3>Watch a network</h3>
                <${ActionForm}
                  url=${p.api("integrations/networks")}
                  done="Network added."
                  submit="Add network"
                  after="reload"
                >
                  <div class="field">
                    <label for="net-id">Id</label
                    ><input id="net-id" name="id" required pattern="[A-Za-z0-9._:@-]+" />
                  </div>
                  <div class="field">
                    <label for="net-preset">Preset</label>
                    <select id="net-preset" name="preset">
                      <option value="">none</option>
                      <option value="ethereum">Ethereum</option>
                      <option value="polygon">Polygon</option>
                    </select>
                  </div>
                  <div class="field">
                    <label for="net-name">Name (without a preset)</label
                    ><input id="net-name" name="name" maxlength="100" />
                  </div>
                  <div class="field">
                    <label for="net-chain">Chain id (without a preset)</label
                    ><input
                      id="net-chain"
                      name="chainId"
                      type="number"
                      data-type="number"
                      min="1"
                    />
                  </div>
                  <div class="field">
                    <label for="net-rpc">RPC URL (kept secret; shown by host only)</label
                    ><input
                      id="net-rpc"
                      name="rpcUrl"
                      type="password"
                      autocomplete="off"
                      required
                    />
                  </div>
                  <div class="field">
                    <label for="net-explorer">Explorer URL (https)</label
                    ><input id="net-explorer" name="explorerUrl" type="url" />
                  </div>
                  <div class="field">
                    <label for="net-gas">Gas alert (gwei)</label
                    ><input
                      id="net-gas"
                      name="gasAlertGwei"
                      type="number"
                      data-type="number"
                      min="0"
                      step="any"
                    />
                  </div>
                <//>`
            : null
        }
      </section>

      <section id="collection">
        <h3>Collection intervals (seconds)</h3>
        ${
          admin
            ? html`<${ActionForm}
                url=${p.api("collection/intervals")}
                method="PUT"
                done="Intervals saved."
                submit="Save"
              >
                <${Number_}
                  id="i-metrics"
                  name="metrics"
                  label="Metrics"
                  value=${intervals.metrics}
                  min=${5}
                  max=${3600}
                />
                <${Number_}
                  id="i-deployments"
                  name="deployments"
                  label="Deployments"
                  value=${intervals.deployments}
                  min=${5}
                  max=${3600}
                />
                <${Number_}
                  id="i-web3"
                  name="web3"
                  label="Web3 networks"
                  value=${intervals.web3}
                  min=${5}
                  max=${3600}
                />
                <${Number_}
                  id="i-security"
                  name="security"
                  label="Security scans"
                  value=${intervals.security}
                  min=${30}
                  max=${86400}
                />
              <//>`
            : html`<p>
                ${
                  `metrics ${intervals.metrics} s · deployments ${intervals.deployments} s · ` +
                  `Web3 ${intervals.web3} s · security ${intervals.security} s`
                }
              </p>`
        }
      </section>
    </article>
  <//>`;
}
