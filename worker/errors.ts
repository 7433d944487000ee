import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { Failure, Outcome, PagerDutyResponse, Problem } from "../schema";
import type { AppEnv } from "./env";
import { logSafe } from "../lib/log-safe";

/** V8's knob for how many frames an Error captures (not in the Workers types). */
const V8Error: ErrorConstructor & { stackTraceLimit?: number } = Error;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  426: "Upgrade Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * An error that becomes an RFC 9457 problem response: a stable `code` for machines and a
 * `detail` for people that says what was wrong and how to fix it.
 * @example throw new ApiError(403, "forbidden", "Acknowledging needs the operator role.")
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly issues?: Problem["issues"];
  readonly headers?: Record<string, string>;
  readonly current?: Problem["current"];

  constructor(
    status: number,
    code: string,
    detail: string,
    issues?: Problem["issues"],
    headers?: Record<string, string>,
    current?: Problem["current"],
  ) {
    // An expected answer, never logged with a stack: capturing one was the largest single cost
    // of a refused request in the abuse bench's profile (bench/README.md "Abuse run").
    const limit = V8Error.stackTraceLimit;
    V8Error.stackTraceLimit = 0;
    super(detail);
    V8Error.stackTraceLimit = limit;
    this.status = status;
    this.code = code;
    this.detail = detail;
    if (issues !== undefined) this.issues = issues;
    if (headers !== undefined) this.headers = headers;
    if (current !== undefined) this.current = current;
  }

  /**
   * The one way an expected failure becomes its HTTP answer (problem+json, through `onError`):
   * status, code and detail as reported; `issues` as reported, else its `field` as the one
   * issue; `current` on a conflict; `Retry-After` when it says when to come back. `headers`
   * adds what only the route knows, such as a 401's `WWW-Authenticate` realm.
   * @example throw ApiError.from(fail(404, "not_found", "No alert 'a1'.", { field: "id" }))
   */
  static from(failure: Failure, headers?: Record<string, string>): ApiError {
    const issues =
      failure.issues ??
      (failure.field ? [{ path: failure.field, message: failure.detail }] : undefined);
    const all: Record<string, string> = { ...headers };
    if (failure.retryAfterSeconds !== undefined)
      all["Retry-After"] = String(failure.retryAfterSeconds);
    return new ApiError(failure.status, failure.code, failure.detail, issues, all, failure.current);
  }

  static validation(error: z.ZodError, target: string): ApiError {
    // zod reports unknown keys once, on the parent object; name each unknown field instead.
    const issues = error.issues.flatMap((issue) => {
      const at = [target, ...issue.path.map(String)];
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          path: [...at, key].join("."),
          message: "Unknown field: remove it.",
        }));
      }
      return [{ path: at.join("."), message: issue.message }];
    });
    const first = issues[0];
    const detail = first ? `${first.path}: ${first.message}` : "The request is not valid.";
    return new ApiError(400, "validation_failed", detail, issues);
  }
}

/** A workspace method's value, or its expected failure thrown as its problem (`ApiError.from`). */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw ApiError.from(outcome);
  return outcome.value;
}

/**
 * The PagerDuty-compatible endpoints' variant of `ApiError.from`: a failure in PagerDuty's own
 * shape (`{ status: "invalid event", message, errors[] }`), which its clients understand.
 * Statuses PagerDuty does not use here become 400; a 429 always says when to retry.
 */
export function pagerDutyFailure(c: Context<AppEnv>, failure: Failure) {
  const errors = failure.issues?.map((i) => `${i.path}: ${i.message}`) ?? [failure.detail];
  const invalid = (message: string): PagerDutyResponse => ({
    status: "invalid event",
    message,
    errors,
  });
  switch (failure.status) {
    case 429:
      return c.json({ status: "throttle event", message: failure.detail, errors }, 429, {
        "Retry-After": String(failure.retryAfterSeconds ?? 1),
      });
    case 404:
      return c.json(invalid("Routing key not found"), 404);
    case 413:
      return c.json(invalid(failure.detail), 413);
    case 415:
      return c.json(invalid(failure.detail), 415);
    case 503:
      return c.json({ status: "error", message: failure.detail, errors }, 503, {
        "Retry-After": "5",
      });
    default:
      return c.json(
        invalid(failure.status === 400 ? "Event object is invalid" : failure.detail),
        400,
      );
  }
}

export function problem(c: Context<AppEnv>, error: ApiError): Response {
  const body: Problem = {
    type: `urn:opsdeck:problem:${error.code}`,
    title: TITLES[error.status] ?? "Error",
    status: error.status,
    detail: error.detail,
    code: error.code,
    instance: new URL(c.req.url).pathname,
    requestId: c.get("requestId"),
    ...(error.issues ? { issues: error.issues } : {}),
    ...(error.current ? { current: error.current } : {}),
  };
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    ...error.headers,
  });
}

/** `app.onError`: every failure leaves as problem+json; unexpected ones say nothing internal. */
export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) return problem(c, err);
  if (err instanceof HTTPException) {
    const code =
      err.status === 413
        ? "payload_too_large"
        : err.status === 401
          ? "unauthenticated"
          : "http_error";
    return problem(c, new ApiError(err.status, code, err.message || TITLES[err.status] || "Error"));
  }
  if (isOverloaded(err)) {
    return problem(
      c,
      new ApiError(
        503,
        "overloaded",
        "The workspace is overloaded; try again shortly.",
        undefined,
        { "Retry-After": "5" },
      ),
    );
  }
  console.error(`request ${c.get("requestId")} failed:`, logSafe(err));
  return problem(
    c,
    new ApiError(
      500,
      "internal_error",
      `Something went wrong. Quote request id ${c.get("requestId")} when reporting it.`,
    ),
  );
}

function isOverloaded(err: Error): boolean {
  return "overloaded" in err && err.overloaded === true;
}
