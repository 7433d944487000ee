import type { Environment, RunStatus, Severity } from "../../schema";

/**
 * How GitHub's words fold into the contract's (run, deployment and alert states, environments,
 * severities), and the small helpers every GitHub mapper uses. Pure. The rules, with their
 * reasons, are listed in events.ts.
 */

const SUCCESSFUL = new Set(["success", "neutral", "skipped"]);

/** GitHub run/job/check status + conclusion → contract status. */
export function runStatus(
  status: string | null | undefined,
  conclusion?: string | null,
): RunStatus {
  if (status === "in_progress") return "running";
  if (status !== "completed") return "pending";
  if (conclusion && SUCCESSFUL.has(conclusion)) return "success";
  if (conclusion === "action_required") return "pending";
  return "failed";
}

/** Deployment state → contract status; undefined for `inactive` (the caller keeps the old one). */
export function foldDeploymentState(state: string): RunStatus | undefined {
  switch (state) {
    case "queued":
    case "pending":
      return "pending";
    case "in_progress":
      return "running";
    case "success":
      return "success";
    case "inactive":
      return undefined;
    default:
      return "failed";
  }
}

export function environmentOf(name: string, production?: boolean): Environment {
  const n = name.trim().toLowerCase();
  if (production === true || n === "production" || n === "prod") return "production";
  if (n === "staging" || n === "stage") return "staging";
  return "preview";
}

export function severityOf(level: string | null | undefined): Severity {
  switch (level?.toLowerCase()) {
    case "critical":
      return "critical";
    case "high":
    case "error":
      return "error";
    case "medium":
    case "moderate":
    case "warning":
      return "warning";
    default:
      return "info";
  }
}

// ── Text, links, ids and times from payloads ─────────────────────────────────────────

export const clip = (text: string | null | undefined, max: number) => (text ?? "").slice(0, max);

/** Only http(s) links of a sane length; anything else is dropped rather than shown. */
export function link(url: string | null | undefined): string | undefined {
  return url && url.length <= 2000 && /^https?:\/\//i.test(url) ? url : undefined;
}

/** A piece of a record id: only the characters RecordId allows. */
export const idPart = (text: string) => text.replace(/[^A-Za-z0-9._:@-]/g, "_").slice(0, 80);

/** Milliseconds from one payload time to another; 0 when either is missing. */
export function millis(from: string | null | undefined, to: string | null | undefined): number {
  if (!from || !to) return 0;
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

export function latest(...times: (string | null | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const t of times) if (t && (!best || Date.parse(t) > Date.parse(best))) best = t;
  return best;
}

export const firstLine = (text: string | undefined) => clip(text?.split("\n", 1)[0], 1024);

const OPENING = new Set([
  "created",
  "reopened",
  "reopened_by_user",
  "appeared_in_branch",
  "auto_reopened",
  "reintroduced",
  "publicly_leaked",
  "validated",
]);

/** The alert's own state decides; the action only where GitHub sent no state (older payloads). */
export function alertStatus(state: string | null | undefined, action: string): "passed" | "failed" {
  if (state) return state === "open" ? "failed" : "passed";
  return OPENING.has(action) ? "failed" : "passed";
}
