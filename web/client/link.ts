import type { PING_FRAME } from "../../schema/frames";
import { SOCKET_EVICTED_CODE } from "../../schema/socket-close";
import type { ConnectionState } from "../components/connection";
import { backoffDelay } from "./backoff";

/** The exact text the contract's clients send; the server answers it without waking up. */
const PING: typeof PING_FRAME = '{"type":"ping"}';
const PING_EVERY_MS = 30_000;
/** No frame (not even a pong) for this long means the connection is dead but not closed. */
const SILENCE_LIMIT_MS = 75_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A socket that stayed up this long was healthy: the next outage starts backoff afresh. */
const HEALTHY_AFTER_MS = 10_000;
/** Down this long: fall back to polling the read API while reconnecting continues. */
export const POLL_AFTER_MS = 10_000;
export const POLL_EVERY_MS = 15_000;
const REPLACED_DETAIL = "replaced by a newer connection of this sign-in; reload to go live";

export type LinkStatus = { state: ConnectionState; detail?: string };
export type PollOutcome = "ok" | "failed" | "unauthorized";

export type LinkOptions = {
  /** `/w/<workspace>`: the API and the socket live under it. */
  base: string;
  /** Where to resume from; `undefined` asks the server for a fresh snapshot. */
  lastSeq: () => number | undefined;
  onText: (text: string) => void;
  onStatus: (status: LinkStatus) => void;
  poll: () => Promise<PollOutcome>;
};

/**
 * The page's live connection: a ticket from the API, then the socket; on any drop it
 * reconnects with backoff and resumes from the last applied seq, and polls the read API
 * while it stays down.
 */
export class LiveLink {
  private ws?: WebSocket;
  private attempt = 0;
  private everLive = false;
  private openedAt = 0;
  private lastFrameAt = 0;
  private retryAt = 0;
  private stopped = false;
  /** Closed 4008 (replaced): polls only, never reconnects (see `replaced`). */
  private parked = false;
  private polling = false;
  private pollDetail = "";
  private timers: {
    retry?: ReturnType<typeof setTimeout>;
    connect?: ReturnType<typeof setTimeout>;
    pollStart?: ReturnType<typeof setTimeout>;
    ping?: ReturnType<typeof setInterval>;
    poll?: ReturnType<typeof setInterval>;
  } = {};

  constructor(private readonly options: LinkOptions) {}

  start(): void {
    addEventListener("online", () => this.retryNow());
    this.timers.pollStart = setTimeout(() => this.startPolling(), POLL_AFTER_MS);
    void this.connect();
  }

  /** Reconnect at once (the network came back) instead of waiting out the backoff. */
  retryNow(): void {
    if (this.ws || this.stopped || this.parked) return;
    clearTimeout(this.timers.retry);
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.timers.retry = undefined;
    if (this.stopped) return;
    this.report();
    const ticket = await this.fetchTicket();
    if (this.stopped) return;
    if (ticket === "unauthorized") return this.signedOut();
    if (!ticket) return this.down();
    const url = new URL(`${this.options.base}/ws`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("ticket", ticket);
    const lastSeq = this.options.lastSeq();
    if (lastSeq !== undefined) url.searchParams.set("lastSeq", String(lastSeq));
    const ws = new WebSocket(url);
    this.ws = ws;
    this.timers.connect = setTimeout(() => this.drop(ws), CONNECT_TIMEOUT_MS);
    ws.onopen = () => this.opened(ws);
    ws.onmessage = (event) => {
      this.lastFrameAt = Date.now();
      if (typeof event.data === "string") this.options.onText(event.data);
    };
    // Whatever the close code (a deploy, a revoked token), reconnecting asks for a new
    // ticket first, and that answer (401) is what tells a signed-out page apart. Except 4008:
    // a newer socket of the same token replaced this one, and reconnecting would only evict
    // that one in turn (a loop across the user's tabs), so this page polls until reloaded.
    ws.onclose = (event) =>
      event.code === SOCKET_EVICTED_CODE ? this.replaced(ws) : this.drop(ws);
  }

  private async fetchTicket(): Promise<string | "unauthorized" | undefined> {
    try {
      const res = await fetch(`${this.options.base}/api/ws-ticket`, {
        method: "POST",
        credentials: "same-origin",
        // The CSRF check needs a real Origin; under `no-referrer` browsers send "null".
        referrerPolicy: "same-origin",
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
      });
      if (res.status === 401) return "unauthorized";
      if (!res.ok) return undefined;
      const body: unknown = await res.json();
      const ticket =
        typeof body === "object" && body !== null ? Reflect.get(body, "ticket") : undefined;
      return typeof ticket === "string" ? ticket : undefined;
    } catch {
      return undefined;
    }
  }

  private opened(ws: WebSocket): void {
    if (ws !== this.ws) return;
    clearTimeout(this.timers.connect);
    clearTimeout(this.timers.pollStart);
    this.openedAt = this.lastFrameAt = Date.now();
    this.everLive = true;
    this.stopPolling();
    this.timers.ping = setInterval(() => this.heartbeat(ws), PING_EVERY_MS);
    this.report();
  }

  private heartbeat(ws: WebSocket): void {
    if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) return this.drop(ws);
    if (ws.readyState === WebSocket.OPEN) ws.send(PING);
  }

  /** Forgets a socket (closed, silent or never opened) and schedules the next attempt. */
  private drop(ws: WebSocket): void {
    if (ws !== this.ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close();
    } catch {
      // already closing
    }
    this.ws = undefined;
    clearTimeout(this.timers.connect);
    clearInterval(this.timers.ping);
    if (this.openedAt && Date.now() - this.openedAt >= HEALTHY_AFTER_MS) this.attempt = 0;
    if (this.openedAt) this.timers.pollStart = setTimeout(() => this.startPolling(), POLL_AFTER_MS);
    this.openedAt = 0;
    this.down();
  }

  private down(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++);
    this.retryAt = Date.now() + delay;
    this.timers.retry = setTimeout(() => void this.connect(), delay);
    this.report();
  }

  private startPolling(): void {
    if (this.polling || this.ws?.readyState === WebSocket.OPEN || this.stopped) return;
    this.polling = true;
    this.pollDetail = "fetching from the API";
    this.report();
    void this.pollOnce();
    this.timers.poll = setInterval(() => void this.pollOnce(), POLL_EVERY_MS);
  }

  private async pollOnce(): Promise<void> {
    const outcome = await this.options.poll();
    if (!this.polling) return;
    if (outcome === "unauthorized") return this.signedOut();
    this.pollDetail =
      outcome === "ok"
        ? `showing data polled every ${POLL_EVERY_MS / 1000} s`
        : "the server is unreachable; showing the last data received";
    this.report();
  }

  private stopPolling(): void {
    this.polling = false;
    clearInterval(this.timers.poll);
  }

  /** Replaced by a newer socket of the same token: no reconnect; the API keeps the page fresh. */
  private replaced(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.parked = true;
    ws.onopen = ws.onmessage = ws.onclose = null;
    this.ws = undefined;
    clearTimeout(this.timers.connect);
    clearInterval(this.timers.ping);
    this.startPolling();
    this.report();
  }

  private signedOut(): void {
    this.stopped = true;
    this.stopPolling();
    for (const timer of [this.timers.retry, this.timers.connect, this.timers.pollStart])
      clearTimeout(timer);
    clearInterval(this.timers.ping);
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      this.ws.close();
      this.ws = undefined;
    }
    this.options.onStatus({ state: "signed-out", detail: "the session has ended" });
  }

  private report(): void {
    if (this.stopped) return;
    if (this.ws?.readyState === WebSocket.OPEN) return this.options.onStatus({ state: "live" });
    if (this.polling) {
      const detail = this.parked ? `${REPLACED_DETAIL}; ${this.pollDetail}` : this.pollDetail;
      return this.options.onStatus({ state: "offline", detail });
    }
    if (!this.everLive) return this.options.onStatus({ state: "connecting" });
    const wait = Math.max(0, Math.round((this.retryAt - Date.now()) / 1000));
    const detail =
      this.timers.retry !== undefined && wait > 0 ? `next try in ${wait} s` : undefined;
    this.options.onStatus({ state: "reconnecting", detail });
  }
}
