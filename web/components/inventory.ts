import { html } from "../html";
import { Age, Badge, Empty, TREND_ARROW } from "./common";
import { emptyMessage } from "./empty-state";
import { formatNumber } from "./format";
import type { PanelProps } from "./types";

export function AwsServicesBody({ snapshot, now }: PanelProps) {
  if (snapshot.awsServices.length === 0) {
    return html`<${Empty}>${emptyMessage("AWS services", ["aws"], snapshot.sources)}<//>`;
  }
  return html`<ul class="cards">
    ${snapshot.awsServices.map(
      (s) =>
        html`<li class="card" key=${s.id} data-id=${s.id} data-status=${s.status}>
          <div class="card-head">
            <span class="label">${s.name}</span>
            <${Badge} status=${s.status} />
          </div>
          <div>${s.instances} ${s.instances === 1 ? "instance" : "instances"} · ${s.region}</div>
          <small class="meta"><${Age} at=${s.updatedAt} now=${now} prefix="updated" /></small>
        </li>`,
    )}
  </ul>`;
}

export function Web3NetworksBody({ snapshot, now }: PanelProps) {
  if (snapshot.web3Networks.length === 0) {
    return html`<${Empty}>${emptyMessage("Web3 networks", ["web3"], snapshot.sources)}<//>`;
  }
  return html`<ul class="cards">
    ${snapshot.web3Networks.map(
      (n) =>
        html`<li class="card" key=${n.id} data-id=${n.id} data-status=${n.status}>
          <div class="card-head">
            <span class="label">${n.name}</span>
            <${Badge} status=${n.status} />
          </div>
          <div>
            block ${formatNumber(n.blockNumber)} · ${formatNumber(n.blockTime)} s ·
            ${formatNumber(n.tps)} tps
          </div>
          <div title=${`gas trend: ${n.gasTrend}`}>
            gas ${formatNumber(n.gasPrice.slow)} / ${formatNumber(n.gasPrice.average)} /
            ${" "}${formatNumber(n.gasPrice.fast)} gwei ${TREND_ARROW[n.gasTrend]}
          </div>
          <small class="meta"><${Age} at=${n.updatedAt} now=${now} prefix="updated" /></small>
        </li>`,
    )}
  </ul>`;
}
