import type { Role, SourceId, SourceStatus } from "../../schema";
import { html } from "../html";
import { paths } from "./paths";
import { can } from "./roles";

export const SOURCE_NAMES: Record<SourceId, string> = {
  github: "GitHub",
  aws: "AWS",
  web3: "Web3 RPC",
  alertmanager: "Alertmanager",
  grafana: "Grafana",
  pagerduty: "PagerDuty events",
  slack: "Slack",
  webhook: "Signed webhook",
  prometheus: "Prometheus",
};

/** Where each source is set up on the settings page. */
export const SOURCE_SETTINGS: Record<SourceId, string> = {
  github: "github",
  aws: "aws",
  web3: "networks",
  alertmanager: "webhooks",
  grafana: "webhooks",
  pagerduty: "webhooks",
  slack: "notifications",
  webhook: "notifications",
  prometheus: "prometheus",
};

function names(list: SourceStatus[]): string {
  const words = list.map((s) => SOURCE_NAMES[s.id]);
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/**
 * What an empty panel says, judged from the sources that feed it: never sample data, and
 * never "all clear" when nothing could have reported.
 */
export function emptyMessage(noun: string, feeds: SourceId[], sources: SourceStatus[]): string {
  const relevant = sources.filter((s) => feeds.includes(s.id));
  const reporting = relevant.filter((s) => s.status === "live" || s.status === "stale");
  if (reporting.length > 0) return `No ${noun}: ${names(reporting)} reported none.`;
  const failing = relevant.find((s) => s.status === "error");
  if (failing) {
    const reason = failing.lastError ? ` (${failing.lastError})` : "";
    return `No ${noun}: ${SOURCE_NAMES[failing.id]} is failing${reason}.`;
  }
  const pending = relevant.filter((s) => s.status === "pending");
  if (pending.length > 0)
    return `No ${noun} yet: waiting for the first report from ${names(pending)}.`;
  const verb = relevant.length > 1 ? "are" : "is";
  const from = relevant.length > 0 ? ` ${names(relevant)} ${verb} not configured.` : "";
  return `No source has produced ${noun} yet.${from}`;
}

/** The empty message plus, for an admin, a link to set up the first missing source. */
export function EmptyFor(props: {
  noun: string;
  feeds: SourceId[];
  sources: SourceStatus[];
  workspace: string;
  role?: Role;
}) {
  const missing = props.sources.find(
    (s) => props.feeds.includes(s.id) && s.status === "not_configured",
  );
  const reporting = props.sources.some(
    (s) => props.feeds.includes(s.id) && s.status !== "not_configured",
  );
  const link =
    missing && !reporting && can(props.role, "admin")
      ? html` <a href=${paths(props.workspace).settings(SOURCE_SETTINGS[missing.id])}
          >Set up ${SOURCE_NAMES[missing.id]}</a
        >`
      : null;
  return html`<p class="empty">${emptyMessage(props.noun, props.feeds, props.sources)}${link}</p>`;
}
