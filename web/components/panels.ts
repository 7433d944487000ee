import { h, type FunctionComponent } from "preact";
import { html } from "../html";
import { ActivityBody } from "./activity";
import { AlertsBody } from "./alerts";
import { AnomaliesBody } from "./anomalies-panel";
import { Age } from "./common";
import { DeploymentsBody } from "./deployments";
import { IncidentsBody } from "./incidents";
import { AwsGridMenu, AwsServicesBody, Web3NetworksBody } from "./inventory";
import { MetricsBody } from "./metrics";
import { PipelinesBody } from "./pipelines";
import { SecurityBody } from "./security";
import { SourcesBody } from "./sources";
import type { PanelKey, PanelProps } from "./types";

export type { PanelKey, PanelProps } from "./types";

type PanelDef = {
  key: PanelKey;
  title: string;
  Body: FunctionComponent<PanelProps>;
  /** A menu for the whole panel, in its header. */
  Head?: FunctionComponent<PanelProps>;
};

/** Page order of the panels; the server and the live client both draw from this table. */
export const PANELS: ReadonlyArray<PanelDef> = [
  { key: "metrics", title: "Metrics", Body: MetricsBody },
  { key: "alerts", title: "Alerts", Body: AlertsBody },
  { key: "anomalies", title: "Anomalies", Body: AnomaliesBody },
  { key: "incidents", title: "Incidents", Body: IncidentsBody },
  { key: "deployments", title: "Deployments", Body: DeploymentsBody },
  { key: "pipelines", title: "Pipelines", Body: PipelinesBody },
  { key: "awsServices", title: "AWS services", Body: AwsServicesBody, Head: AwsGridMenu },
  { key: "web3Networks", title: "Web3 networks", Body: Web3NetworksBody },
  { key: "security", title: "Security scans", Body: SecurityBody },
  { key: "activity", title: "Activity", Body: ActivityBody },
];

export const SOURCES_PANEL: PanelDef = { key: "sources", title: "Sources", Body: SourcesBody };

/** `polledAt`: the list came from polling the API while the socket was down; say so. */
export type PanelContentProps = PanelProps & { panel: PanelKey; polledAt?: string };

/**
 * What sits inside a panel's `<section>`: the client re-renders exactly this into the
 * section when that panel's data changes.
 */
export function PanelContent(props: PanelContentProps) {
  const panel =
    props.panel === "sources" ? SOURCES_PANEL : PANELS.find((p) => p.key === props.panel);
  if (!panel) return null;
  const count = props.snapshot[props.panel].length;
  const { panel: _key, polledAt, ...body } = props;
  return html`<header class="panel-head">
      <h2 id=${`h-${panel.key}`}>${panel.title}</h2>
      ${panel.key === "sources" ? null : html`<span class="count">${count}</span>`}
      ${
        polledAt
          ? html`<span
              class="polled"
              title="The live connection is down; this list was fetched from the API."
            >
              polled <${Age} at=${polledAt} now=${props.now} />
            </span>`
          : null
      }
      ${panel.Head ? h(panel.Head, body) : null}
    </header>
    ${h(panel.Body, body)}`;
}
