import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function hasBody(headers: Headers): boolean {
  const length = headers.get("Content-Length");
  return headers.has("Transfer-Encoding") || (length !== null && length !== "0");
}

/**
 * A request body must be a JSON object sent as application/json: otherwise 415 or a 400
 * `invalid_json` before any handler runs. The parsed body is cached for the validators.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!BODY_METHODS.has(c.req.method) || !hasBody(c.req.raw.headers)) return next();
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the body as JSON with 'Content-Type: application/json'.",
    );
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(400, "invalid_json", "The body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "invalid_json", "The body must be a JSON object.");
  }
  await next();
});
