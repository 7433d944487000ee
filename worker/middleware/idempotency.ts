import type { Context, Next } from "hono";
import { IdempotencyKey, type IdempotencyClaim, type StoredResponse } from "../../schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { logSafe } from "../../lib/log-safe";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** How long a duplicate waits for the first request to finish before it gets a 409. */
const WAIT_FOR_FIRST_MS = 5_000;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** JSON with object keys sorted, so equal values serialise equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function canonicalOrRaw(text: string): string {
  try {
    return canonical(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * The request's identity under its key: method, path with query, and the body as a JSON
 * value, so whitespace or key order alone does not make a retry look like a new request.
 */
async function fingerprintOf(c: Context<AppEnv>): Promise<string> {
  const url = new URL(c.req.url);
  const text = await c.req.text();
  const body = text.trim() === "" ? "" : canonicalOrRaw(text);
  return sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${body}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Claims the key; while the first request with it is still running, waits for its answer. */
async function claim(
  c: Context<AppEnv>,
  key: string,
  fingerprint: string,
): Promise<IdempotencyClaim> {
  const { stub } = c.var.workspace;
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
    const result = await stub.claimIdempotency(c.var.principal.tokenId, key, fingerprint);
    if (result.state !== "in_progress" || Date.now() + delay > deadline) return result;
    await sleep(delay);
  }
}

function replay(stored: StoredResponse): Response {
  return new Response(stored.body, {
    status: stored.status,
    headers: { "Content-Type": stored.contentType, [REPLAYED_HEADER]: "true" },
  });
}

function refusal(result: Exclude<IdempotencyClaim, { state: "claimed" | "replay" }>): ApiError {
  switch (result.state) {
    case "mismatch": {
      const detail =
        "This Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request.";
      return new ApiError(422, "idempotency_key_reused", detail, [
        { path: `header.${IDEMPOTENCY_HEADER}`, message: detail },
      ]);
    }
    case "in_progress":
      return new ApiError(
        409,
        "idempotency_in_progress",
        "The first request with this Idempotency-Key is still running; retry shortly.",
        undefined,
        { "Retry-After": "1" },
      );
    case "unreplayable":
      // The effect happened once and must not happen again; only its answer was not kept
      // (larger than the replay cap, or sealed under a key since retired).
      return new ApiError(
        409,
        "idempotency_key_used",
        `A request with this Idempotency-Key already completed (status ${result.status}) and will not run again, but its response was not kept for replay (too large, or no longer readable); read the result with a GET, or use a new key for a new request.`,
      );
  }
}

/**
 * `Idempotency-Key` on POSTs (draft-ietf-httpapi-idempotency-key-header): the first request
 * with a key runs and its response (any status below 500) is stored for 24 h; a retry with
 * the same key and the same request gets that response again with `Idempotent-Replayed:
 * true`, and the effect happens once. Runs inside `authorize`, after the caller is known,
 * because keys are scoped to the calling token. A 5xx releases the key so a retry runs.
 * @example return withIdempotency(c, next)
 */
export async function withIdempotency(c: Context<AppEnv>, next: Next): Promise<Response | void> {
  const raw = c.req.header(IDEMPOTENCY_HEADER);
  if (c.req.method !== "POST" || raw === undefined) return next();
  const parsed = IdempotencyKey.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "is not valid";
    throw new ApiError(400, "idempotency_key_invalid", `Idempotency-Key ${message}.`, [
      { path: `header.${IDEMPOTENCY_HEADER}`, message },
    ]);
  }
  const key = parsed.data;
  const result = await claim(c, key, await fingerprintOf(c));
  if (result.state === "replay") return replay(result.response);
  if (result.state !== "claimed") throw refusal(result);

  const { stub } = c.var.workspace;
  const tokenId = c.var.principal.tokenId;
  let keep = false;
  try {
    await next();
    keep = c.res.status < 500;
    if (keep) {
      const response: StoredResponse = {
        status: c.res.status,
        contentType: c.res.headers.get("Content-Type") ?? "application/json",
        body: await c.res.clone().text(),
      };
      // The effect has happened: if storing fails, the claim stays pending until its lease
      // ends (a retry is refused meanwhile) rather than being released to run twice.
      await stub
        .completeIdempotency(tokenId, key, result.claimId, response)
        .catch((error: unknown) =>
          console.error("idempotency: storing the response failed", logSafe(error)),
        );
    }
  } finally {
    if (!keep)
      await stub
        .releaseIdempotency(tokenId, key, result.claimId)
        .catch((error: unknown) => console.error("idempotency: release failed", logSafe(error)));
  }
}
