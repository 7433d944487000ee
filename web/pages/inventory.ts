import {
  awsCardMetricIds,
  type AwsService,
  type ChartDataPoint,
  type Metric,
  type NetworkView,
  type Role,
  type TimeRange,
  type Web3Network,
} from "../../schema";
import { Age, Badge, ExternalLink, TREND_ARROW } from "../components/common";
import { LineChart, StatsList, seriesStats } from "../components/chart";
import { formatNumber, safeHref } from "../components/format";
import { NetworkLogo } from "../components/inventory";
import { ActionButton, ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { html } from "../html";
import { Facts } from "./detail";

/**
 * The metric series that charts an AWS service card: the collector's own series for it
 * (`awsMetricId`, e.g. `cpu.ec2.eu-west-1`, CPU first), else a pushed one named
 * `<service id>.…` or `aws.<service id>.…`.
 */
export function serviceMetric(service: AwsService, metrics: Metric[]): Metric | undefined {
  for (const id of awsCardMetricIds(service)) {
    const collected = metrics.find((m) => m.id === id);
    if (collected) return collected;
  }
  const prefixes = [`${service.id}.`, `${service.id}_`, `aws.${service.id}.`];
  return metrics.find((m) => prefixes.some((prefix) => m.id.startsWith(prefix)));
}

/** Grid menu → View All Services: every service with region and instances. */
export function AwsServicesView(props: { workspace: string; services: AwsService[]; now: number }) {
  const p = paths(props.workspace);
  const regions = [...new Set(props.services.map((s) => s.region))].sort();
  return html`<article>
    <div class="detail-head">
      <h2 id="detail-title">AWS services</h2>
      <span class="meta">${props.services.length} services in ${regions.length} regions</span>
    </div>
    ${
      props.services.length === 0
        ? html`<p class="empty">
            No AWS service has been reported. <a href=${p.settings("aws")}>Set up AWS</a>
          </p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Status</th>
                  <th scope="col">Instances</th>
                  <th scope="col">Region</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                ${props.services.map(
                  (s) =>
                    html`<tr data-id=${s.id}>
                      <td><a href=${p.awsService(s.id)} data-modal="">${s.name}</a></td>
                      <td><${Badge} status=${s.status} /></td>
                      <td class="num">${s.instances}</td>
                      <td>${s.region}</td>
                      <td class="num"><${Age} at=${s.updatedAt} now=${props.now} /></td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </article>`;
}

/** AWS service card → details with a performance chart. */
export function AwsServiceView(props: {
  workspace: string;
  service: AwsService;
  metric?: Metric;
  points: ChartDataPoint[];
  range: TimeRange;
  now: number;
}) {
  const s = props.service;
  return html`<article data-service=${s.id}>
    <div class="detail-head">
      <h2 id="detail-title">${s.name}</h2>
      <${Badge} status=${s.status} />
      <span class="meta">${s.region}</span>
    </div>
    <${Facts}
      rows=${[
        ["Instances", String(s.instances)],
        ["Region", s.region],
        ["Source", s.source],
        ["Updated", html`<${Age} at=${s.updatedAt} now=${props.now} />`],
      ]}
    />
    <h3>Performance</h3>
    ${
      props.metric
        ? html`<figure class="chart large">
              <${LineChart}
                id=${`aws-${s.id}`}
                label=${`${s.name}: ${props.metric.label}`}
                unit=${props.metric.unit}
                points=${props.points}
                range=${props.range}
                now=${props.now}
                height=${260}
              />
            </figure>
            <${StatsList} stats=${seriesStats(props.points)} unit=${props.metric.unit} />`
        : html`<p class="meta">
            No metric series belongs to this service yet (the collector's
            <code>cpu.${s.id}</code>, or series named <code>${s.id}.…</code> or
            <code>aws.${s.id}.…</code>, are charted here).
          </p>`
    }
  </article>`;
}

/** Web3 network → View Explorer, View Contracts, Configure Alerts (gas price). */
export function NetworkDetailView(props: {
  workspace: string;
  network: Web3Network;
  config?: NetworkView;
  role: Role;
  now: number;
}) {
  const n = props.network;
  const explorer = safeHref(props.config?.explorerUrl);
  const p = paths(props.workspace);
  return html`<article data-network=${n.id}>
    <div class="detail-head">
      <h2 id="detail-title"><${NetworkLogo} network=${n} />${n.name}</h2>
      <${Badge} status=${n.status} />
      ${n.chainId ? html`<span class="meta">chain ${n.chainId}</span>` : null}
    </div>
    ${n.lastError ? html`<p class="error">Last collection failed: ${n.lastError}</p>` : null}
    <${Facts}
      rows=${[
        ["Block", formatNumber(n.blockNumber)],
        ["Block time", `${formatNumber(n.blockTime)} s`],
        ["Throughput", `${formatNumber(n.tps)} tps`],
        [
          "Gas (gwei)",
          `slow ${formatNumber(n.gasPrice.slow)} · average ${formatNumber(n.gasPrice.average)} · fast ${formatNumber(n.gasPrice.fast)} ${TREND_ARROW[n.gasTrend]}`,
        ],
        props.config && ["RPC host", props.config.rpcHost],
        ["Updated", html`<${Age} at=${n.updatedAt} now=${props.now} />`],
        explorer && [
          "Explorer",
          html`<${ExternalLink} href=${explorer}>${new URL(explorer).host}<//>`,
        ],
        explorer && [
          "Latest block",
          html`<${ExternalLink} href=${`${explorer.replace(/\/$/, "")}/block/${n.blockNumber}`}
            >block ${formatNumber(n.blockNumber)}<//
          >`,
        ],
      ]}
    />
    <section id="contracts">
      <h3>Contracts</h3>
      <p>
        ${
          props.config
            ? `${props.config.contracts.length} watched ${props.config.contracts.length === 1 ? "contract" : "contracts"}: `
            : null
        }<a href=${p.networkContracts(n.id)} data-modal="">view contracts and their balances</a>.
        ${
          !explorer && can(props.role, "admin")
            ? html`No explorer is configured for this network:
                <a href=${p.settings("networks")}>add one in settings</a>.`
            : null
        }
      </p>
    </section>
    <section id="gas-alert">
      <h3>Gas price alert</h3>
      <p class="meta">
        ${
          props.config?.gasAlertGwei !== undefined
            ? `An alert is raised when the average gas price reaches ${formatNumber(props.config.gasAlertGwei)} gwei.`
            : "No gas price alert is set."
        }
      </p>
      ${
        can(props.role, "admin") && props.config
          ? html`<${ActionForm}
                url=${p.api(`integrations/networks/${encodeURIComponent(n.id)}`)}
                method="PATCH"
                done="Gas price alert saved."
                submit="Save alert"
                after="modal"
              >
                <p class="meta">
                  The average gas price now is ${formatNumber(n.gasPrice.average)} gwei.
                </p>
                <div class="field">
                  <label for="gas-alert-gwei"
                    >Alert when the average gas price reaches (gwei)</label
                  >
                  <input
                    id="gas-alert-gwei"
                    name="gasAlertGwei"
                    type="number"
                    data-type="number"
                    min="0.000001"
                    step="any"
                    required
                    value=${props.config.gasAlertGwei}
                  />
                </div>
              <//>
              ${
                props.config.gasAlertGwei !== undefined
                  ? html`<${ActionButton}
                      label="Remove alert"
                      url=${p.api(`integrations/networks/${encodeURIComponent(n.id)}`)}
                      method="PATCH"
                      body=${JSON.stringify({ gasAlertGwei: null })}
                      done="Gas price alert removed."
                      after="modal"
                      class="remove-gas-alert"
                    />`
                  : null
              }`
          : null
      }
    </section>
  </article>`;
}
