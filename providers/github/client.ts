import { Octokit } from "@octokit/rest";
import { UpstreamError, readCapped } from "../http";

/** Where and as whom to call GitHub. `apiUrl` has passed the outbound URL policy on save. */
export type GithubConnection = { token: string; apiUrl: string };

/**
 * Limits for one client: a deadline and a body cap per request, how many run at once (Workers
 * allow six open connections per invocation), how many one client may make (subrequests per
 * invocation are limited), and how much of the hourly rate limit to leave untouched (`reserve`,
 * so a collector never eats the headroom people need for re-runs and rollbacks).
 */
export type GithubLimits = {
  timeoutMs: number;
  maxBytes: number;
  concurrency: number;
  maxRequests: number;
  reserve: number;
};

/** Why a GitHub call failed, in the terms callers act on. */
export type GithubFailure =
  | "unauthorized"
  | "rate_limited"
  | "forbidden"
  | "not_found"
  | "rejected"
  | "server"
  | "timeout"
  | "unreachable"
  | "malformed"
  | "budget";

/**
 * Every GitHub failure, classified. As an `UpstreamError` it tells the collection runner whether
 * retrying can help (`kind`) and when (`retryAt`); `category` and `githubMessage` let actions
 * answer the person who clicked with GitHub's own words.
 */
export class GithubError extends UpstreamError {
  constructor(
    message: string,
    readonly category: GithubFailure,
    status?: number,
    retryAt?: number,
    readonly githubMessage?: string,
  ) {
    super(message, status, category === "unauthorized" ? "credentials" : "transient", retryAt);
  }
}

type Headers_ = Record<string, string | number | undefined>;
type Reply<T> = { status: number; headers: Headers_; data: T };

/** What Octokit throws for an HTTP error (`RequestError`), recognised by shape. */
type OctokitFailure = Error & { status: number; response?: { headers: Headers_; data: unknown } };

function isOctokitFailure(error: unknown): error is OctokitFailure {
  return error instanceof Error && typeof (error as { status?: unknown }).status === "number";
}

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * Octokit's transport: a deadline, redirects handed back rather than followed (the log endpoint
 * answers 302 to a download URL that must pass the URL policy, and no other call should move
 * hosts), and a capped body.
 */
function boundedFetch(limits: GithubLimits) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(input, {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
    } catch (error) {
      throw transportError(error, limits.timeoutMs);
    }
    if (NO_BODY.has(response.status) || (response.status >= 300 && response.status < 400)) {
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await readCapped(response, limits.maxBytes);
    } catch (error) {
      throw error instanceof UpstreamError ? error : transportError(error, limits.timeoutMs);
    }
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

function transportError(error: unknown, timeoutMs: number): UpstreamError {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError")
    return new UpstreamError(`no answer within ${timeoutMs} ms`);
  return new UpstreamError(
    `unreachable: ${error instanceof Error ? error.message : String(error)}`,
  );
}

const num = (value: string | number | undefined): number | undefined => {
  const n = typeof value === "number" ? value : value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
};

/** GitHub's error body is `{ message, documentation_url, status? }`; anything else is ignored. */
function messageOf(data: unknown): string | undefined {
  if (typeof data === "object" && data !== null && "message" in data) {
    const message = (data as { message: unknown }).message;
    if (typeof message === "string") return message.slice(0, 500);
  }
  return undefined;
}

/**
 * One GitHub client per collection run or action: Octokit with a bounded transport, a slot
 * semaphore (no timers, so the object can still hibernate), a request budget, and the rate
 * limit as GitHub last reported it. Every failure leaves as a `GithubError`.
 */
export class GithubClient {
  readonly octokit: Octokit;
  /** Requests made (or started) so far. */
  requests = 0;
  /** The core rate limit as last reported by GitHub. */
  rate: { remaining?: number; limit?: number; resetAt?: number } = {};
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    connection: GithubConnection,
    readonly limits: GithubLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.octokit = new Octokit({
      auth: connection.token,
      baseUrl: connection.apiUrl,
      userAgent: "opsdeck",
      request: { fetch: boundedFetch(limits) },
      // Octokit logs deprecation notices and 4xx through console; failures are reported by us.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  /** Requests this client may still make. */
  left(): number {
    return Math.max(0, this.limits.maxRequests - this.requests);
  }

  /**
   * Runs one API call under the limits. `what` names it in errors (never the token).
   * @example await client.call("GET runs", (o) => o.rest.actions.listWorkflowRunsForRepo({ owner, repo }))
   */
  async call<R extends Reply<unknown>>(
    what: string,
    run: (octokit: Octokit) => Promise<R>,
  ): Promise<R> {
    this.preflight(what);
    this.requests++;
    await this.acquire();
    try {
      const reply = await run(this.octokit);
      this.observe(reply.headers);
      return reply;
    } catch (error) {
      throw this.classify(error, what);
    } finally {
      this.release();
    }
  }

  /** Refuses before calling when the budget or the rate limit is already spent. */
  private preflight(what: string): void {
    if (this.left() === 0)
      throw new GithubError(
        `${what}: request budget of ${this.limits.maxRequests} per run spent`,
        "budget",
      );
    const { remaining, resetAt } = this.rate;
    if (remaining !== undefined && remaining <= this.limits.reserve && resetAt !== undefined) {
      if (resetAt > this.clock())
        throw new GithubError(
          `GitHub rate limit nearly spent (${remaining} left, ${this.limits.reserve} kept in reserve); calls resume at ${new Date(resetAt).toISOString()}`,
          "rate_limited",
          undefined,
          resetAt,
        );
    }
  }

  private observe(headers: Headers_): void {
    const remaining = num(headers["x-ratelimit-remaining"]);
    const reset = num(headers["x-ratelimit-reset"]);
    const limit = num(headers["x-ratelimit-limit"]);
    if (remaining === undefined) return;
    // Concurrent replies arrive out of order: the smallest remaining count is the latest.
    if (this.rate.remaining === undefined || remaining <= this.rate.remaining)
      this.rate = { remaining, limit, resetAt: reset === undefined ? undefined : reset * 1000 };
  }

  private classify(error: unknown, what: string): GithubError {
    if (error instanceof GithubError) return error;
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause instanceof UpstreamError) {
      const category = cause.message.startsWith("no answer")
        ? "timeout"
        : cause.message.startsWith("unreachable")
          ? "unreachable"
          : "malformed";
      return new GithubError(`${what}: GitHub ${cause.message}`, category);
    }
    if (!isOctokitFailure(error))
      return new GithubError(
        `${what}: ${error instanceof Error ? error.message : String(error)}`,
        "unreachable",
      );
    const status = error.status;
    const headers = error.response?.headers ?? {};
    this.observe(headers);
    const said = messageOf(error.response?.data);
    const quoted = said ? `: ${said}` : "";
    const fail = (category: GithubFailure, text: string, retryAt?: number) =>
      new GithubError(`${what}: ${text}`, category, status, retryAt, said);
    if (status === 401)
      return fail("unauthorized", `GitHub rejected the token (HTTP 401${quoted})`);
    if (status === 403 || status === 429) {
      const limited = this.rateLimit(headers, said, status);
      if (limited !== undefined)
        return fail(
          "rate_limited",
          `GitHub rate limit hit (HTTP ${status}${quoted}); calls resume at ${new Date(limited).toISOString()}`,
          limited,
        );
      return fail("forbidden", `GitHub refused (HTTP 403${quoted})`);
    }
    if (status === 404) return fail("not_found", `GitHub has no such resource (HTTP 404${quoted})`);
    if (status >= 500) return fail("server", `GitHub failed (HTTP ${status}${quoted})`);
    return fail("rejected", `GitHub refused (HTTP ${status}${quoted})`);
  }

  /**
   * When a 403/429 is a rate limit, the time calls work again, following GitHub's rules:
   * `x-ratelimit-remaining: 0` → wait for `x-ratelimit-reset`; a secondary limit → `retry-after`
   * seconds, or a minute when GitHub gives no time.
   * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
   */
  private rateLimit(headers: Headers_, message: string | undefined, status: number) {
    const now = this.clock();
    const retryAfter = num(headers["retry-after"]);
    if (retryAfter !== undefined) return now + retryAfter * 1000;
    if (num(headers["x-ratelimit-remaining"]) === 0) {
      const reset = num(headers["x-ratelimit-reset"]);
      return reset === undefined ? now + 60_000 : Math.max(reset * 1000, now + 1000);
    }
    if (status === 429 || /rate limit|abuse/i.test(message ?? "")) return now + 60_000;
    return undefined;
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next caller, so `active` stays as it is.
    if (next) next();
    else this.active--;
  }
}
