import type { z } from "zod";
import type {
  ActivityItem,
  GithubCodeScanningAlertEvent,
  GithubDependabotAlertEvent,
  GithubPullRequestEvent,
  GithubPushEvent,
  GithubReleaseEvent,
  GithubSecretScanningAlertEvent,
  SecurityScan,
  Severity,
} from "../../schema";
import type { GithubMapping } from "./mapping";
import { alertStatus, clip, firstLine, idPart, latest, link, severityOf } from "./fold";

/** GitHub events that become security scans (alerts) and activity items (push, PR, release). */

const KIND_LABEL = {
  code_scanning: "Code scanning",
  dependabot: "Dependabot",
  secret_scanning: "Secret scanning",
} as const;

type AlertFacts = {
  kind: keyof typeof KIND_LABEL;
  action: string;
  number: number;
  state: string | null | undefined;
  name: string;
  description?: string | null;
  severity: Severity;
  url: string | null | undefined;
  time: string | undefined;
  repository: z.infer<typeof GithubCodeScanningAlertEvent>["repository"];
  sender: string | undefined;
};

function securityChange(f: AlertFacts, receivedAt: Date): GithubMapping {
  const status = alertStatus(f.state, f.action);
  const scan: SecurityScan = {
    id: `gh-${f.kind.replace("_", "-")}-${f.repository.id}-${f.number}`,
    name: clip(f.name, 500),
    kind: f.kind,
    status,
    severity: f.severity,
    repository: clip(f.repository.full_name, 300),
    url: link(f.url),
    state: clip(f.state ?? f.action, 50),
    description: f.description ? clip(f.description, 10_000) : undefined,
    timestamp: f.time ?? receivedAt.toISOString(),
    source: "github",
    updatedAt: receivedAt.toISOString(),
  };
  const verb = f.action.replaceAll("_", " ");
  const activity: ActivityItem = {
    id: `${scan.id}-${idPart(f.action)}-${idPart(scan.timestamp)}`,
    type: "security",
    title: clip(
      `${KIND_LABEL[f.kind]} alert #${f.number} ${verb} in ${f.repository.full_name}`,
      1024,
    ),
    description: scan.name,
    user: f.sender ? clip(f.sender, 200) : undefined,
    timestamp: scan.timestamp,
    status:
      status === "passed"
        ? "healthy"
        : f.severity === "critical" || f.severity === "error"
          ? "critical"
          : "warning",
    url: scan.url,
    source: "github",
  };
  return { outcome: "change", action: f.action, change: { kind: "security", scan, activity } };
}

export function codeScanningAlert(
  p: GithubCodeScanningAlertEvent,
  receivedAt: Date,
): GithubMapping {
  const a = p.alert;
  const rule = a.rule.description || a.rule.name || a.rule.id || "rule";
  return securityChange(
    {
      kind: "code_scanning",
      action: p.action,
      number: a.number,
      state: a.state,
      name: a.tool?.name ? `${a.tool.name}: ${rule}` : rule,
      description: a.rule.id,
      severity: severityOf(a.rule.security_severity_level ?? a.rule.severity),
      url: a.html_url,
      time: latest(a.updated_at, a.fixed_at, a.dismissed_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

export function dependabotAlert(p: GithubDependabotAlertEvent, receivedAt: Date): GithubMapping {
  const a = p.alert;
  const pkg = a.dependency?.package?.name;
  return securityChange(
    {
      kind: "dependabot",
      action: p.action,
      number: a.number,
      state: a.state,
      name: pkg ? `${pkg}: ${a.security_advisory.summary}` : a.security_advisory.summary,
      description: a.dependency?.manifest_path,
      severity: severityOf(a.security_vulnerability?.severity ?? a.security_advisory.severity),
      url: a.html_url,
      time: latest(a.updated_at, a.fixed_at, a.dismissed_at, a.auto_dismissed_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

export function secretScanningAlert(
  p: GithubSecretScanningAlertEvent,
  receivedAt: Date,
): GithubMapping {
  const a = p.alert;
  const type = a.secret_type_display_name ?? a.secret_type;
  return securityChange(
    {
      kind: "secret_scanning",
      action: p.action,
      number: a.number,
      state: a.state,
      name: type ? `Exposed secret: ${type}` : "Exposed secret",
      description: a.resolution ? `Resolution: ${a.resolution}` : undefined,
      // Any exposed credential is treated as critical: GitHub assigns no severity.
      severity: "critical",
      url: a.html_url,
      time: latest(a.updated_at, a.resolved_at, a.created_at),
      repository: p.repository,
      sender: p.sender?.login,
    },
    receivedAt,
  );
}

// ── Activity: pushes, pull requests, releases ──────────────────────────────────────────

function activity(action: string | undefined, item: ActivityItem): GithubMapping {
  return { outcome: "change", action, change: { kind: "activity", item } };
}

/** `repository.pushed_at` is epoch seconds in push payloads. */
function pushedAt(value: number | string | null | undefined): string | undefined {
  if (typeof value === "number") return new Date(value * 1000).toISOString();
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
}

export function pushActivity(p: GithubPushEvent, receivedAt: Date): GithubMapping {
  const repo = p.repository.full_name;
  const tag = p.ref.startsWith("refs/tags/");
  const name = p.ref.replace(/^refs\/(heads|tags)\//, "");
  const count = p.commits?.length ?? 0;
  const title = p.deleted
    ? `${tag ? "Tag" : "Branch"} ${name} deleted in ${repo}`
    : tag
      ? `Tag ${name} pushed to ${repo}`
      : `${count} commit${count === 1 ? "" : "s"} pushed to ${name} in ${repo}${p.forced ? " (force-push)" : ""}`;
  return activity(undefined, {
    id: `gh-push-${p.repository.id}-${idPart(name)}-${idPart(p.after.slice(0, 12))}`,
    type: "deployment",
    title: clip(title, 1024),
    description: firstLine(p.head_commit?.message),
    user: clip(p.pusher?.name ?? p.sender?.login, 200) || undefined,
    timestamp:
      p.head_commit?.timestamp ?? pushedAt(p.repository.pushed_at) ?? receivedAt.toISOString(),
    url: link(p.compare),
    source: "github",
  });
}

export function pullRequestActivity(p: GithubPullRequestEvent): GithubMapping {
  const pr = p.pull_request;
  const verb =
    p.action === "closed" ? (pr.merged ? "merged" : "closed") : p.action.replaceAll("_", " ");
  return activity(p.action, {
    id: `gh-pr-${pr.id}-${idPart(p.action)}-${idPart(pr.updated_at)}`,
    type: "deployment",
    title: clip(`Pull request #${pr.number} ${verb} in ${p.repository.full_name}`, 1024),
    description: clip(`${pr.title} (${pr.head.ref} → ${pr.base.ref})`, 10_000),
    user: clip(p.sender?.login ?? pr.user?.login, 200) || undefined,
    timestamp: pr.updated_at,
    url: link(pr.html_url),
    source: "github",
  });
}

export function releaseActivity(p: GithubReleaseEvent, receivedAt: Date): GithubMapping {
  const r = p.release;
  const kind = r.prerelease ? "Pre-release" : "Release";
  return activity(p.action, {
    id: `gh-release-${r.id}-${idPart(p.action)}`,
    type: "deployment",
    title: clip(`${kind} ${r.name || r.tag_name} ${p.action} in ${p.repository.full_name}`, 1024),
    description: clip(`Tag ${r.tag_name}`, 10_000),
    user: clip(r.author?.login ?? p.sender?.login, 200) || undefined,
    timestamp: r.published_at ?? r.created_at ?? receivedAt.toISOString(),
    url: link(r.html_url),
    source: "github",
  });
}
