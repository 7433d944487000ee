import { NotificationChannel, type NotificationEvent, type StoredSettings } from "../../schema";
import { UpstreamError, boundedFetch } from "../../providers/http";
import { checkOutboundUrl } from "../../lib/url-policy";
import type { NotificationOutbox } from "../store/notification-outbox";
import type { SecretBox } from "../store/secret-box";
import { slackMessage, webhookRequest } from "./notifications-render";

/** Attempts per message (the first included), and how long a message may keep trying. */
export const MAX_ATTEMPTS = 8;
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const BASE_DELAY_MS = 10_000;
const MAX_DELAY_MS = 30 * 60 * 1000;
/** A Retry-After longer than this is not waited out in full (the message would expire). */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Messages per channel per alarm run; the rest go on the next run, a moment later. */
const BATCH = 10;
const TIMEOUT_MS = 10_000;
/** Slack answers `ok` or an error word; nothing legitimate is larger (and none of it is kept). */
const MAX_ANSWER_BYTES = 16 * 1024;

export type Target = { channel: NotificationChannel; url: string; host: string; secret?: string };
export type TargetOutcome =
  | { ok: true; target: Target }
  | {
      ok: false;
      code: "not_configured" | "switched_off" | "url_not_allowed" | "secrets_key_missing";
      reason: string;
    };

export type Attempt = {
  outcome: "delivered" | "retry" | "failed";
  status?: number;
  detail: string;
  retryAfterMs?: number;
};

const NAMES: Record<NotificationChannel, string> = { slack: "Slack", webhook: "The webhook" };

/**
 * Where a channel's messages go, with its secrets opened. `forQueue`: the notification toggle
 * must be on too (a test message only needs the integration).
 */
export async function resolveTarget(
  channel: NotificationChannel,
  settings: StoredSettings,
  box: SecretBox | undefined,
  options: { allowLoopback: boolean; forQueue: boolean },
): Promise<TargetOutcome> {
  const integration = settings.integrations[channel];
  const sealedUrl =
    channel === "slack"
      ? settings.integrations.slack.webhookUrl
      : settings.integrations.webhook.url;
  const sealedSecret = channel === "webhook" ? settings.integrations.webhook.secret : undefined;
  if (!integration.enabled || sealedUrl === undefined || (channel === "webhook" && !sealedSecret))
    return {
      ok: false,
      code: "not_configured",
      reason: `${NAMES[channel]} is not configured: enable it and set its URL${channel === "webhook" ? " and signing secret" : ""} in the settings.`,
    };
  if (options.forQueue && !settings.notifications[channel])
    return {
      ok: false,
      code: "switched_off",
      reason: `${channel} notifications are switched off.`,
    };
  if (!box)
    return {
      ok: false,
      code: "secrets_key_missing",
      reason: "SECRETS_KEY is not configured on the server.",
    };
  let url: string;
  let secret: string | undefined;
  try {
    url = await box.open(sealedUrl);
    secret = sealedSecret === undefined ? undefined : await box.open(sealedSecret);
  } catch {
    return {
      ok: false,
      code: "secrets_key_missing",
      reason: "The saved URL cannot be opened: its key is no longer configured.",
    };
  }
  // Checked again at send time: loopback may have been allowed when the URL was saved.
  const verdict = checkOutboundUrl(url, { allowLoopback: options.allowLoopback });
  if (!verdict.ok)
    return { ok: false, code: "url_not_allowed", reason: `URL not allowed: ${verdict.reason}.` };
  return { ok: true, target: { channel, url, host: verdict.url.host, secret } };
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or bad. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) * 1000 : undefined;
  const ms = seconds ?? Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** Exponential backoff with jitter (half fixed, half random) after `attempts` failures. */
export function backoffMs(attempts: number, random = Math.random()): number {
  const full = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (full / 2) * random);
}

/** Fixed wording per status: the upstream's own reason phrase and body are never repeated. */
const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  const known = STATUS_TEXT[status];
  if (known) return known;
  if (status >= 200 && status < 300) return "Success";
  if (status >= 300 && status < 400) return "Redirect";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

/**
 * What a channel's answer is reported as, e.g. "Slack answered 404 Not Found". Only the
 * status: the body is the receiver's text (an admin-supplied URL may point anywhere), so it
 * never reaches the API answer, the delivery history or the page.
 */
export function answerDetail(channel: NotificationChannel, status: number): string {
  return `${NAMES[channel]} answered ${status} ${statusText(status)}`;
}

/** What an answer means: 2xx delivered; 408, 429 and 5xx worth retrying; any other 4xx final. */
export function classify(
  channel: NotificationChannel,
  status: number,
  retryAfter: number | undefined,
): Attempt {
  const detail = answerDetail(channel, status);
  if (status >= 200 && status < 300) return { outcome: "delivered", status, detail };
  const transient = status === 408 || status === 429 || status >= 500;
  return {
    outcome: transient ? "retry" : "failed",
    status,
    detail,
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  };
}

/** One POST to the channel; network failures and timeouts are worth a retry, redirects are not. */
export async function send(
  target: Target,
  event: NotificationEvent,
  messageId: string,
  now: number,
): Promise<Attempt> {
  const request =
    target.channel === "slack"
      ? {
          body: JSON.stringify(slackMessage(event)),
          headers: { "Content-Type": "application/json" },
        }
      : await webhookRequest(event, messageId, target.secret ?? "", now);
  try {
    const answer = await boundedFetch(
      target.url,
      {
        method: "POST",
        headers: { ...request.headers, "User-Agent": "Opsdeck-Notifications/1" },
        body: request.body,
      },
      { timeoutMs: TIMEOUT_MS, maxBytes: MAX_ANSWER_BYTES },
    );
    // The body was read (bounded) only to finish the exchange; its text is not reported.
    return classify(
      target.channel,
      answer.status,
      retryAfterMs(answer.headers.get("Retry-After"), Date.now()),
    );
  } catch (error) {
    const status = error instanceof UpstreamError ? error.status : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    const redirect = status !== undefined && status >= 300 && status < 400;
    return { outcome: redirect ? "failed" : "retry", status, detail: reason.slice(0, 300) };
  }
}

export type DrainDeps = {
  outbox: NotificationOutbox;
  target: (channel: NotificationChannel) => Promise<TargetOutcome>;
  now: () => number;
};

/**
 * Sends what is due, oldest first per channel; a message waiting for its retry holds back the
 * ones behind it, so a channel never receives events out of order. Returns when to run next.
 */
export async function drainOutbox(deps: DrainDeps): Promise<number | undefined> {
  let wake: number | undefined;
  const later = (at: number) => (wake = wake === undefined ? at : Math.min(wake, at));
  for (const channel of NotificationChannel.options) {
    let target: TargetOutcome | undefined;
    for (let sent = 0; ; sent++) {
      const head = deps.outbox.head(channel);
      if (!head) break;
      if (sent >= BATCH) {
        later(deps.now());
        break;
      }
      if (head.nextAt > deps.now()) {
        later(head.nextAt);
        break;
      }
      target ??= await deps.target(channel);
      if (!target.ok) {
        deps.outbox.failed(head.seq, undefined, target.reason, undefined, deps.now());
        continue;
      }
      const attempt = await send(target.target, head.event, head.id, deps.now());
      const now = deps.now();
      const { host } = target.target;
      if (attempt.outcome === "delivered") {
        deps.outbox.delivered(head.seq, attempt.status ?? 200, host, now);
        continue;
      }
      const exhausted = head.attempts + 1 >= MAX_ATTEMPTS || now - head.createdAt >= MAX_AGE_MS;
      if (attempt.outcome === "failed" || exhausted) {
        const detail =
          exhausted && attempt.outcome === "retry"
            ? `gave up after ${head.attempts + 1} attempts: ${attempt.detail}`
            : attempt.detail;
        deps.outbox.failed(head.seq, attempt.status, detail, host, now);
        continue;
      }
      // The provider's Retry-After wins over our own backoff.
      const nextAt = now + (attempt.retryAfterMs ?? backoffMs(head.attempts + 1));
      deps.outbox.retry(head.seq, channel, attempt.status, attempt.detail, host, nextAt, now);
      later(nextAt);
      break;
    }
  }
  deps.outbox.trim(deps.now());
  return wake;
}
