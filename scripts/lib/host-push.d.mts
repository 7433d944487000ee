// Types for host-push.mjs (plain JS, so the agent runs on any host without a build step).
import type { MetricSamplesBody } from "../../schema";

export class AgentError extends Error {
  constructor(message: string, options?: { fatal?: boolean; transient?: boolean });
  readonly fatal: boolean;
  readonly transient: boolean;
}
export function sleep(ms: number, signal?: AbortSignal): Promise<void>;
export function retryAfterMs(header: string | null | undefined, now?: number): number | undefined;
export function pushSamples(
  config: { url: string; token: string },
  body: MetricSamplesBody,
  options?: { signal?: AbortSignal; retries?: number; backoffMs?: number; timeoutMs?: number },
): Promise<number>;
