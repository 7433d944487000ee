import { MAX_PROM_CARDS, type PromCard, type PrometheusIntegration } from "../../../schema";
import { ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { PrometheusSource } from "../../components/prometheus-source";
import { html } from "../../html";
import { Check, Secret } from "./fields";

/**
 * One card's fields. `slot` makes ids unique: the card's index for saved cards, `__i__` in the
 * template the client copies for an added one (web/client/form-rows.ts).
 */
function CardRow(props: { slot: string; card?: PromCard }) {
  const c = props.card;
  const id = (name: string) => `prom-${props.slot}-${name}`;
  const t = c?.thresholds;
  return html`<fieldset class="card-row" data-row="">
    <legend>${c ? `Card ${c.label}` : "New card"}</legend>
    <div class="field">
      <label for=${id("id")}>Id (lowercase, digits, - or _)</label>
      <input
        id=${id("id")}
        name="id"
        required
        pattern="[a-z0-9][a-z0-9_\\-]{0,59}"
        value=${c?.id ?? ""}
      />
    </div>
    <div class="field">
      <label for=${id("label")}>Label</label>
      <input id=${id("label")} name="label" required maxlength="120" value=${c?.label ?? ""} />
    </div>
    <div class="field">
      <label for=${id("query")}>PromQL</label>
      <input
        id=${id("query")}
        name="query"
        required
        maxlength="2000"
        class="mono"
        value=${c?.query ?? ""}
      />
    </div>
    <div class="field">
      <label for=${id("unit")}>Unit</label>
      <input id=${id("unit")} name="unit" maxlength="20" value=${c?.unit ?? ""} />
    </div>
    <div class="field">
      <label for=${id("dir")}>Thresholds apply</label>
      <select id=${id("dir")} name="thresholds.direction">
        <option value="above" selected=${t?.direction !== "below"}>above</option>
        <option value="below" selected=${t?.direction === "below"}>below</option>
      </select>
    </div>
    <div class="field">
      <label for=${id("warn")}>Warning</label>
      <input
        id=${id("warn")}
        name="thresholds.warning"
        type="number"
        step="any"
        data-type="number"
        value=${t?.warning ?? ""}
      />
    </div>
    <div class="field">
      <label for=${id("crit")}>Critical</label>
      <input
        id=${id("crit")}
        name="thresholds.critical"
        type="number"
        step="any"
        data-type="number"
        value=${t?.critical ?? ""}
      />
    </div>
    <button
      type="button"
      class="danger"
      data-action="row-remove"
      aria-label=${`Remove card ${c?.label ?? "(new)"}`}
    >
      Remove card
    </button>
  </fieldset>`;
}

/**
 * The Prometheus source for admins: endpoint, credential (write-only: shown as set or not),
 * tenant and the PromQL cards, saved with `PUT api/integrations/prometheus`. Each card is
 * checked by Prometheus at save time; its error text lands on the card's PromQL field.
 */
export function PrometheusForm(props: { workspace: string; prometheus?: PrometheusIntegration }) {
  const p = props.prometheus;
  const limit = p?.limits.cards ?? MAX_PROM_CARDS;
  return html`<${ActionForm}
    id="prometheus-form"
    url=${paths(props.workspace).api("integrations/prometheus")}
    method="PUT"
    done="Prometheus saved."
    submit="Save Prometheus"
    after="reload"
  >
    <${Check}
      id="prom-enabled"
      name="enabled"
      label="Enabled"
      checked=${p?.baseUrl ? p.enabled : true}
    />
    <div class="field">
      <label for="prom-url">Base URL (Prometheus, Thanos, Mimir, VictoriaMetrics)</label>
      <input id="prom-url" name="baseUrl" type="url" required value=${p?.baseUrl ?? ""} />
    </div>
    <fieldset>
      <legend>
        Credential
        <${Secret} set=${p?.credentialSet ?? false} />${p?.credentialSet ? ` (${p.authType})` : ""}
      </legend>
      <div class="field">
        <label for="prom-auth">Kind</label>
        <select id="prom-auth" name="auth.type">
          <option value="">keep the saved one</option>
          <option value="bearer">bearer token</option>
          <option value="basic">basic (username and password)</option>
        </select>
      </div>
      <div class="field">
        <label for="prom-token">Bearer token</label>
        <input id="prom-token" name="auth.token" type="password" autocomplete="off" />
      </div>
      <div class="field">
        <label for="prom-user">Username</label>
        <input id="prom-user" name="auth.username" autocomplete="off" />
      </div>
      <div class="field">
        <label for="prom-pass">Password</label>
        <input id="prom-pass" name="auth.password" type="password" autocomplete="off" />
      </div>
      ${
        p?.credentialSet
          ? html`<div class="inline">
              <input type="checkbox" id="prom-auth-clear" data-clears="auth" />
              <label for="prom-auth-clear">Remove the saved credential</label>
            </div>`
          : null
      }
    </fieldset>
    <div class="field">
      <label for="prom-org">Tenant (X-Scope-OrgID, Mimir and Cortex)</label>
      <input id="prom-org" name="orgId" value=${p?.orgId ?? ""} />
    </div>
    <div data-array="cards" data-max=${limit}>
      <h4>Cards (at most ${limit})</h4>
      <div data-rows="">
        ${(p?.cards ?? []).map((card, i) => html`<${CardRow} slot=${String(i)} card=${card} />`)}
      </div>
      <template><${CardRow} slot="__i__" /></template>
      <button type="button" data-action="row-add">Add card</button>
    </div>
  <//>`;
}

/** The settings section: the form for admins, the read-only view (and last runs) for all. */
export function PrometheusSection(props: {
  workspace: string;
  prometheus?: PrometheusIntegration;
  admin: boolean;
}) {
  return html`<section id="prometheus">
    <h3>Prometheus (as a source)</h3>
    <${PrometheusSource} prometheus=${props.prometheus} />
    ${props.admin ? html`<${PrometheusForm} workspace=${props.workspace} prometheus=${props.prometheus} />` : null}
  </section>`;
}
