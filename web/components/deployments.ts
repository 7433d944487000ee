import { html } from "../html";
import { Age, Badge, Empty, ExternalLink } from "./common";
import { emptyMessage } from "./empty-state";
import { formatDuration, shortCommit } from "./format";
import type { PanelProps } from "./types";

export function DeploymentsBody({ snapshot, now }: PanelProps) {
  if (snapshot.deployments.length === 0) {
    return html`<${Empty}>${emptyMessage("deployments", ["github"], snapshot.sources)}<//>`;
  }
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Environment</th>
        <th scope="col">Status</th>
        <th scope="col">Branch</th>
        <th scope="col">Commit</th>
        <th scope="col">Author</th>
        <th scope="col">When</th>
        <th scope="col">Duration</th>
      </tr>
    </thead>
    <tbody>
      ${snapshot.deployments.map(
        (d) =>
          html`<tr key=${d.id} data-id=${d.id} data-status=${d.status}>
            <td><${ExternalLink} href=${d.url}>${d.name}<//></td>
            <td>${d.environment}</td>
            <td><${Badge} status=${d.status} /></td>
            <td>${d.branch}</td>
            <td><code>${shortCommit(d.commit)}</code></td>
            <td>${d.author}</td>
            <td><${Age} at=${d.timestamp} now=${now} /></td>
            <td>${formatDuration(d.duration)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
