import type { PrometheusIntegration } from "../../schema";
import { html } from "../html";

/**
 * The Prometheus source on the settings page, read-only: where it points, each card's query
 * and what its last run saw (series kept and dropped, NaN/Inf skipped, warnings, errors). It
 * is configured through `PUT api/integrations/prometheus` (README "Prometheus (as a source)").
 */
export function PrometheusSource(props: { prometheus?: PrometheusIntegration }) {
  const p = props.prometheus;
  if (!p?.baseUrl)
    return html`<p>
      Not set up. An admin adds the endpoint and its PromQL cards with
      <code>PUT api/integrations/prometheus</code> (see the README, "Prometheus (as a source)").
    </p>`;
  return html`<dl>
      <dt>Endpoint</dt>
      <dd><code>${p.baseUrl}</code>${p.enabled ? "" : " (disabled)"}</dd>
      <dt>Credential</dt>
      <dd>
        ${p.credentialSet ? `${p.authType}, set` : "none"}${p.orgId ? ` · tenant ${p.orgId}` : ""}
      </dd>
    </dl>
    <table>
      <thead>
        <tr>
          <th>Card</th>
          <th>PromQL</th>
          <th>Last run</th>
        </tr>
      </thead>
      <tbody>
        ${p.cards.map((card) => {
          const r = card.report;
          const notes = r
            ? [
                r.error ? `error: ${r.error}` : `${r.series} series`,
                r.droppedSeries ? `${r.droppedSeries} more not kept` : "",
                r.nonFinite ? `${r.nonFinite} NaN/Inf skipped` : "",
                ...r.warnings.map((w) => `warning: ${w}`),
              ].filter(Boolean)
            : ["not run yet"];
          return html`<tr key=${card.id} data-id=${card.id}>
            <td>${card.label}${card.unit ? ` (${card.unit})` : ""}</td>
            <td><code>${card.query}</code></td>
            <td>${notes.join(" · ")}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}
