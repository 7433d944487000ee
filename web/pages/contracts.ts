import type { ContractView, NetworkView, Role, Web3Network } from "../../schema";
import { Age, ExternalLink } from "../components/common";
import { formatNumber, safeHref } from "../components/format";
import { ActionButton, ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import { html } from "../html";

/**
 * The explorer's page for an address, or undefined: only an http(s) explorer, the address
 * encoded as one path segment (so a stored value can never add a path, query or scheme).
 * @example explorerAddressUrl("https://etherscan.io", "0xAbC…") // "https://etherscan.io/address/0xAbC…"
 */
export function explorerAddressUrl(explorer: string | undefined, address: string) {
  const base = safeHref(explorer);
  if (!base) return undefined;
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/address/${encodeURIComponent(address)}`;
  return url.href;
}

function CodeCell(props: { c: ContractView }) {
  const { codeSize } = props.c;
  if (codeSize === undefined) return html`<span class="meta">not read yet</span>`;
  // Zero bytes is worth saying out loud: a wrong address or an account, not a contract.
  if (codeSize === 0)
    return html`<span data-code="none">no contract: no code at this address</span>`;
  return html`<span data-code=${codeSize}>${formatNumber(codeSize)} bytes</span>`;
}

function ReadCell(props: { c: ContractView; now: number }) {
  const c = props.c;
  return html`${c.readAt ? html`<${Age} at=${c.readAt} now=${props.now} />` : "never"}
  ${c.blockNumber !== undefined ? html`<small class="meta"> at block ${formatNumber(c.blockNumber)}</small>` : null}
  ${c.stale ? html`<p class="row-note" data-ok="false">stale: the last read failed: ${c.error}</p>` : null}`;
}

function ContractRow(props: {
  c: ContractView;
  api: string;
  explorer?: string;
  admin: boolean;
  now: number;
}) {
  const c = props.c;
  const link = explorerAddressUrl(props.explorer, c.address);
  return html`<tr data-address=${c.address} data-stale=${String(c.stale)}>
    <td>
      ${c.label ? html`<strong>${c.label}</strong><br />` : null}
      <code>${c.address}</code>
      ${link ? html`<br /><${ExternalLink} href=${link}>on the explorer<//>` : null}
    </td>
    <td><${CodeCell} c=${c} /></td>
    <td class="num" data-balance=${c.balanceWei}>
      ${c.balance === undefined ? "—" : `${c.balance} ether`}
    </td>
    <td class="num">${c.nonce === undefined ? "—" : formatNumber(c.nonce)}</td>
    <td><${ReadCell} c=${c} now=${props.now} /></td>
    ${
      props.admin
        ? html`<td>
            <${ActionButton}
              label="Remove"
              url=${`${props.api}/${encodeURIComponent(c.address)}`}
              method="DELETE"
              done="Contract removed."
              confirm="Press again to remove"
              danger=${true}
              after="modal"
            />
          </td>`
        : null
    }
  </tr>`;
}

/** Web3 network → View Contracts: watched addresses, their latest readings, add and remove. */
export function ContractsView(props: {
  workspace: string;
  config: NetworkView;
  network?: Web3Network;
  contracts: ContractView[];
  explorerUrl?: string;
  role: Role;
  now: number;
}) {
  const p = paths(props.workspace);
  const id = props.config.id;
  const api = p.api(`integrations/networks/${encodeURIComponent(id)}/contracts`);
  const admin = can(props.role, "admin");
  return html`<article data-network=${id} id="contracts">
    <div class="detail-head">
      <h2 id="detail-title">Contracts on ${props.config.name}</h2>
      <span class="meta">chain ${props.config.chainId}</span>
    </div>
    ${
      props.network?.lastError
        ? html`<p class="error">Last collection failed: ${props.network.lastError}</p>`
        : null
    }
    <p class="meta">
      Each collection reads every watched address's code size, balance and nonce from the network's
      RPC endpoint.
    </p>
    ${
      props.contracts.length === 0
        ? html`<p class="empty">
            No contract is watched on this network.
            ${
              admin
                ? "Add one below: its address (0x and 40 hex digits) and a label."
                : "An admin can add one here, or with PATCH integrations/networks/:id { contracts }."
            }
          </p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Contract</th>
                  <th scope="col">Code</th>
                  <th scope="col">Balance</th>
                  <th scope="col">Nonce</th>
                  <th scope="col">Read</th>
                  ${admin ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : null}
                </tr>
              </thead>
              <tbody>
                ${props.contracts.map(
                  (c) =>
                    html`<${ContractRow}
                      c=${c}
                      api=${api}
                      explorer=${props.explorerUrl}
                      admin=${admin}
                      now=${props.now}
                    />`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${
      admin
        ? html`<h3>Watch a contract</h3>
            <${ActionForm}
              url=${api}
              done="Contract added; it is read at once."
              submit="Add contract"
              after="modal"
              id="add-contract"
            >
              <div class="field">
                <label for="contract-address">Address</label>
                <input
                  id="contract-address"
                  name="address"
                  required
                  maxlength="42"
                  pattern="0x[0-9a-fA-F]{40}"
                  autocomplete="off"
                  spellcheck="false"
                  placeholder="0x…"
                />
              </div>
              <div class="field">
                <label for="contract-label">Label (optional)</label>
                <input id="contract-label" name="label" maxlength="80" />
              </div>
            <//>`
        : null
    }
  </article>`;
}
