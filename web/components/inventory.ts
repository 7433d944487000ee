import type { Role, Web3Network } from "../../schema";
import { chainLogo } from "../../schema/chain-logos";
import { html } from "../html";
import { Age, Badge, TREND_ARROW } from "./common";
import { EmptyFor } from "./empty-state";
import { formatNumber } from "./format";
import { Menu } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import type { PanelProps } from "./types";

/** AWS grid menu: View All Services, Add Service, Configure Regions. */
export function AwsGridMenu({ snapshot, role }: PanelProps) {
  const p = paths(snapshot.workspace.id);
  return html`<${Menu}
    label="AWS services menu"
    items=${[
      { kind: "link", label: "View All Services", href: p.awsAll, modal: true },
      can(role, "admin") && { kind: "link", label: "Add Service", href: p.settings("aws") },
      can(role, "admin") && {
        kind: "link",
        label: "Configure Regions",
        href: p.settings("aws-regions"),
      },
    ]}
  />`;
}

export function AwsServicesBody({ snapshot, now, role }: PanelProps) {
  const ws = snapshot.workspace.id;
  if (snapshot.awsServices.length === 0) {
    return html`<${EmptyFor}
      noun="AWS services"
      feeds=${["aws"]}
      sources=${snapshot.sources}
      workspace=${ws}
      role=${role}
    />`;
  }
  const p = paths(ws);
  return html`<ul class="cards">
    ${snapshot.awsServices.map(
      (s) =>
        html`<li class="card" key=${s.id} data-id=${s.id} data-status=${s.status}>
          <div class="card-head">
            <a class="label card-link" href=${p.awsService(s.id)} data-modal="">${s.name}</a>
            <${Badge} status=${s.status} />
          </div>
          <div class="facts">
            ${s.instances} ${s.instances === 1 ? "instance" : "instances"} · ${s.region}
          </div>
          <small class="meta"><${Age} at=${s.updatedAt} now=${now} prefix="updated" /></small>
        </li>`,
    )}
  </ul>`;
}

/** Web3 network menu: View Explorer, View Contracts, Configure Alerts (gas price). */
export function networkMenu(n: Web3Network, workspace: string, role: Role | undefined) {
  const p = paths(workspace);
  return html`<${Menu}
    label=${`Actions for network ${n.name}`}
    items=${[
      { kind: "link", label: "View Explorer", href: p.network(n.id), modal: true },
      { kind: "link", label: "View Contracts", href: p.networkContracts(n.id), modal: true },
      can(role, "admin") && {
        kind: "link",
        label: "Configure Alerts…",
        href: `${p.network(n.id)}#gas-alert`,
        modal: true,
      },
    ]}
  />`;
}

/**
 * A network's logo as an image. The pages allow only `data:` images besides their own (CSP), so
 * a configured https logo (fine for API clients) is drawn as the chain's own mark here.
 */
export function NetworkLogo(props: { network: Web3Network }) {
  const n = props.network;
  const src = n.logo.startsWith("data:image/") ? n.logo : chainLogo(n.chainId);
  return html`<img class="logo" src=${src} alt="" width="18" height="18" />`;
}

export function Web3NetworksBody({ snapshot, now, role }: PanelProps) {
  const ws = snapshot.workspace.id;
  if (snapshot.web3Networks.length === 0) {
    return html`<${EmptyFor}
      noun="Web3 networks"
      feeds=${["web3"]}
      sources=${snapshot.sources}
      workspace=${ws}
      role=${role}
    />`;
  }
  const p = paths(ws);
  return html`<ul class="cards">
    ${snapshot.web3Networks.map(
      (n) =>
        html`<li class="card" key=${n.id} data-id=${n.id} data-status=${n.status}>
          <div class="card-head">
            <a class="label card-link" href=${p.network(n.id)} data-modal=""
              ><${NetworkLogo} network=${n} />${n.name}</a
            >
            <span class="tools"><${Badge} status=${n.status} />${networkMenu(n, ws, role)}</span>
          </div>
          <div class="facts">
            block ${formatNumber(n.blockNumber)} · ${formatNumber(n.blockTime)} s ·
            ${" "}${formatNumber(n.tps)} tps
          </div>
          <div class="gas" title=${`gas trend: ${n.gasTrend}`}>
            <span>slow<b>${formatNumber(n.gasPrice.slow)}</b></span>
            <span>avg<b>${formatNumber(n.gasPrice.average)}</b></span>
            <span>fast<b>${formatNumber(n.gasPrice.fast)}</b></span>
          </div>
          <small class="meta"
            >gwei, ${TREND_ARROW[n.gasTrend]} ${n.gasTrend} ·${" "}<${Age}
              at=${n.updatedAt}
              now=${now}
              prefix="updated"
          /></small>
          ${n.lastError ? html`<p class="row-note" data-ok="false">${n.lastError}</p>` : null}
        </li>`,
    )}
  </ul>`;
}
