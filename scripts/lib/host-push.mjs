// How the host agent pushes: `POST <workspace>/api/metrics/samples` with a bearer token, a
// timeout, and retries with backoff where a retry can help. Dependency-free, like the agent.

/**
 * A failure that says what to fix. `fatal`: the configuration is wrong (bad token, workspace
 * or URL), so retrying cannot help. `transient`: the server could not be reached or asked to
 * wait, so the same samples may be sent again later.
 */
export class AgentError extends Error {
  /** @param {string} message @param {{ fatal?: boolean, transient?: boolean }} [options] */
  constructor(message, options = {}) {
    super(message);
    this.fatal = options.fatal ?? false;
    this.transient = options.transient ?? false;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Server text with anything credential-shaped masked, in case a proxy echoes a header back. */
function masked(text, token) {
  const safe = text.replace(/\bod[kst]\.[A-Za-z0-9._~-]+/g, "[token]").slice(0, 300);
  return token ? safe.split(token).join("[token]") : safe;
}

/** Seconds or an HTTP date, as milliseconds from now (at most 5 minutes); undefined if absent. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(300_000, Math.max(0, ms)) : undefined;
}

async function problemText(res, token) {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    const code = typeof body?.code === "string" ? `${body.code}: ` : "";
    if (typeof body?.detail === "string")
      return masked(`${res.status} ${code}${body.detail}`, token);
  } catch {
    // not problem+json: a proxy's page, say
  }
  return masked(
    `${res.status} ${res.statusText}${text ? `: ${text.replace(/\s+/g, " ")}` : ""}`,
    token,
  );
}

/**
 * POSTs one batch and resolves to the status (202). Network errors, timeouts, 408, 429 and 5xx are retried with doubling
 * backoff (from `backoffMs`, default 1 s), honouring `Retry-After`, up to `retries` times.
 * 401, 403 and 404 throw a fatal AgentError (wrong token or workspace: retrying cannot help);
 * other 4xx throw at once with the server's problem detail. The token is never in a message.
 */
export async function pushSamples(config, body, options = {}) {
  const { signal, retries = 4, backoffMs = 1000, timeoutMs = 10_000 } = options;
  const url = `${config.url}/api/metrics/samples`;
  let last = "";
  for (let attempt = 0; ; attempt += 1) {
    let wait;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${config.token}`,
          "Content-Type": "application/json",
          "User-Agent": "opsdeck-host-agent",
        },
        body: JSON.stringify(body),
        signal: signal ? anySignal([signal, timeout]) : timeout,
      });
      if (res.ok) {
        await res.body?.cancel();
        return res.status;
      }
      last = await problemText(res, config.token);
      if ([401, 403, 404].includes(res.status)) {
        const hint =
          res.status === 403
            ? " (the token needs the operator role)"
            : res.status === 404
              ? " (is OPSDECK_URL the workspace the token belongs to?)"
              : " (is OPSDECK_TOKEN right and not revoked?)";
        throw new AgentError(`${last}${hint}`, { fatal: true });
      }
      if (res.status !== 408 && res.status !== 429 && res.status < 500) throw new AgentError(last);
      wait = retryAfterMs(res.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof AgentError || signal?.aborted) throw error;
      const cause =
        error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      last = timeout.aborted
        ? `no answer within ${timeoutMs / 1000} s`
        : `${error instanceof Error ? error.message : String(error)}${cause}`;
    }
    if (attempt >= retries)
      throw new AgentError(`${last} (gave up after ${attempt + 1} attempts)`, { transient: true });
    const backoff = backoffMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
    await sleep(wait ?? backoff, signal);
    if (signal?.aborted) throw new AgentError("stopped", { transient: true });
  }
}

/** AbortSignal.any for Node 18 (added in 20.3). */
function anySignal(signals) {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const s of signals)
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  return controller.signal;
}
