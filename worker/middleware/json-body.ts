import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** JSON API bodies are small; anything larger is refused (413) before it is parsed. */
export const API_BODY_LIMIT = 1024 * 1024;

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

function hasBody(c: Context<AppEnv>): boolean {
  if (!BODY_METHODS.has(c.req.method)) return false;
  const headers = c.req.raw.headers;
  const length = headers.get("Content-Length");
  return headers.has("Transfer-Encoding") || (length !== null && length !== "0");
}

const tooLarge = (max: number) =>
  new ApiError(413, "payload_too_large", `Request bodies are limited to ${max} bytes.`);

/**
 * App middleware for the JSON API, headers only: a body must be sent as application/json
 * (else 415) and must not announce more than `API_BODY_LIMIT` bytes (else 413). The body is
 * read, counted and parsed by `readJsonBody`, which the routes' gatekeepers call once the
 * caller is known (authorize, requireOperator, sign-in's own limit): a caller without a valid
 * credential never costs a read or a parse. (Hono's bodyLimit would buffer a chunked body
 * here, before any credential is looked at.)
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (hasBody(c)) {
    if (!JSON_TYPE.test(c.req.header("Content-Type") ?? ""))
      throw new ApiError(
        415,
        "unsupported_media_type",
        "Send the body as JSON with 'Content-Type: application/json'.",
      );
    if (Number(c.req.header("Content-Length") ?? 0) > API_BODY_LIMIT)
      throw tooLarge(API_BODY_LIMIT);
  }
  await next();
});

/** The body as text, counted as it streams, so a chunked body cannot exceed `max` either. */
async function readCapped(req: Request, max: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Reads (counting up to `max` bytes: 413 beyond) and parses a JSON request body, if there is
 * one: 400 `invalid_json` unless it is a JSON object. The text stays cached on the request,
 * so validators and the idempotency check read it from there. Non-JSON bodies (the pages'
 * form posts) are left to their routes.
 * @example await readJsonBody(c) // after the credential was checked
 */
export async function readJsonBody(c: Context<AppEnv>, max = API_BODY_LIMIT): Promise<void> {
  if (!hasBody(c) || !JSON_TYPE.test(c.req.header("Content-Type") ?? "")) return;
  if (c.req.bodyCache.text) return;
  const text = await readCapped(c.req.raw, max);
  // Hono keeps promises in bodyCache, though its type names the values; assign, not cast.
  Object.assign(c.req.bodyCache, { text: Promise.resolve(text) });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ApiError(400, "invalid_json", "The body must be a JSON object.");
}
