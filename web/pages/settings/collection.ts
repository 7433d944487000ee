import type { CollectionIntervals } from "../../../schema";
import { ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { html } from "../../html";
import { Number_ } from "./fields";

/** Collection intervals: a form for admins, one line of figures for everyone else. */
export function CollectionSection(props: {
  workspace: string;
  intervals: CollectionIntervals;
  admin: boolean;
}) {
  const p = paths(props.workspace);
  const { intervals, admin } = props;
  return html`<section id="collection">
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
  </section>`;
}
