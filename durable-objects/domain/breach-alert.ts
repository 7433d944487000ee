import type { Severity } from "../../schema";
import { alertIdFor, type IncomingAlert } from "./alert-ingest";

/**
 * One state change of a breach judged by Opsdeck itself (a workspace threshold, an alert rule,
 * a gas-price rule) as a normalised alert for the shared lifecycle. The breach's start time is
 * part of the alert's identity, so every judgement of one breach names the same alert.
 */
export function breachAlert(breach: {
  fingerprint: string;
  startsAt: string;
  over: boolean;
  now: Date;
  title: string;
  message: string;
  severity: Severity;
  labels: Record<string, string>;
  group: string;
}): IncomingAlert {
  const { fingerprint, startsAt, over, title, message, severity } = breach;
  return {
    id: alertIdFor("threshold", fingerprint, startsAt),
    status: over ? "firing" : "resolved",
    fingerprint,
    startsAt,
    resolvedAt: over ? undefined : breach.now.toISOString(),
    title,
    message,
    severity,
    labels: { ...breach.labels, severity },
    annotations: { summary: title, description: message },
    links: [],
    group: breach.group,
  };
}
