import type { NetworkView } from "../../../schema";
import { ActionButton, ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { html } from "../../html";

/** Web3 networks: the watched ones (admins remove) and the form to watch one more. */
export function NetworksSection(props: {
  workspace: string;
  networks: NetworkView[];
  admin: boolean;
}) {
  const p = paths(props.workspace);
  const { networks, admin } = props;
  return html`<section id="networks">
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
                ><input id="net-chain" name="chainId" type="number" data-type="number" min="1" />
              </div>
              <div class="field">
                <label for="net-rpc">RPC URL (kept secret; shown by host only)</label
                ><input id="net-rpc" name="rpcUrl" type="password" autocomplete="off" required />
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
  </section>`;
}
