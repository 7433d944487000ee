import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { fail, ok, type Failure, type PagerDutyResponse, type Problem } from "../../schema";
import type { AppEnv } from "../../worker/env";
import { ApiError, onError, pagerDutyFailure, unwrap } from "../../worker/errors";

/** Answers `failure` the way routes do: thrown through `unwrap`, or as PagerDuty's shape. */
async function answer(failure: Failure, headers?: Record<string, string>): Promise<Response> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.get("/w/demo/api/thing", () => {
    throw headers ? ApiError.from(failure, headers) : unwrap(failure);
  });
  app.onError(onError);
  return app.request("/w/demo/api/thing");
}

async function pagerDuty(failure: Failure): Promise<Response> {
  const app = new Hono<AppEnv>();
  app.post("/v2/enqueue", (c) => pagerDutyFailure(c, failure));
  return app.request("/v2/enqueue", { method: "POST" });
}

describe("a failure as its HTTP answer (ApiError.from)", () => {
  it("keeps the status, code and detail, as problem+json naming the request", async () => {
    const res = await answer(fail(409, "rollback_conflict", "Nothing to roll back to."));
    expect(res.status).toBe(409);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    expect(res.headers.get("Retry-After")).toBeNull();
    const body = (await res.json()) as Problem;
    expect(body).toEqual({
      type: "urn:opsdeck:problem:rollback_conflict",
      title: "Conflict",
      status: 409,
      detail: "Nothing to roll back to.",
      code: "rollback_conflict",
      instance: "/w/demo/api/thing",
      requestId: res.headers.get("X-Request-Id"),
    });
    expect(body.requestId).toBeTruthy();
  });

  it("turns a field into the one issue, and sends the current record of a conflict", async () => {
    const current = { id: "a1", status: "resolved" };
    const res = await answer(
      fail(409, "conflict", "Alert 'a1' is resolved.", { field: "status", current }),
    );
    const body = (await res.json()) as Problem;
    expect(body.issues).toEqual([{ path: "status", message: "Alert 'a1' is resolved." }]);
    expect(body.current).toEqual(current);
  });

  it("prefers the reported issues over the field", async () => {
    const issues = [
      { path: "json.alerts.0.startsAt", message: "must be an RFC 3339 timestamp" },
      { path: "json.version", message: 'must be "4"' },
    ];
    const res = await answer(fail(400, "validation_failed", "Not valid.", { field: "x", issues }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).issues).toEqual(issues);
  });

  it("sends Retry-After when the failure says when to come back", async () => {
    const res = await answer(
      fail(503, "upstream_error", "GitHub did not answer.", { retryAfterSeconds: 30 }),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("30");
    expect(((await res.json()) as Problem).code).toBe("upstream_error");
    const now = await answer(fail(503, "upstream_error", "Retry now.", { retryAfterSeconds: 0 }));
    expect(now.headers.get("Retry-After")).toBe("0");
  });

  it("adds the route's own headers, such as a 401's challenge", async () => {
    const res = await answer(fail(401, "signature_invalid", "The signature does not match."), {
      "WWW-Authenticate": 'Bearer realm="opsdeck-grafana"',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="opsdeck-grafana"');
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  });

  it("unwrap returns the value of a success", () => {
    expect(unwrap(ok({ id: "a1" }))).toEqual({ id: "a1" });
  });
});

describe("a failure in PagerDuty's shape (pagerDutyFailure)", () => {
  it("lists each issue as an error of an invalid event", async () => {
    const res = await pagerDuty(
      fail(400, "validation_failed", "Not valid.", {
        issues: [{ path: "payload.summary", message: "is missing or blank" }],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect((await res.json()) as PagerDutyResponse).toEqual({
      status: "invalid event",
      message: "Event object is invalid",
      errors: ["payload.summary: is missing or blank"],
    });
  });

  it("throttles with Retry-After, and says so for an unknown routing key", async () => {
    const limited = await pagerDuty(
      fail(429, "rate_limited", "Too fast.", { retryAfterSeconds: 2 }),
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("2");
    expect(((await limited.json()) as PagerDutyResponse).status).toBe("throttle event");
    const unknown = await pagerDuty(fail(404, "routing_key_unknown", "No integration."));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as PagerDutyResponse).message).toBe("Routing key not found");
  });

  it("answers 503 with Retry-After, and any other status as a 400 with the detail", async () => {
    const down = await pagerDuty(fail(503, "unavailable", "Temporarily unavailable."));
    expect(down.status).toBe(503);
    expect(down.headers.get("Retry-After")).toBe("5");
    const other = await pagerDuty(fail(401, "unauthenticated", "No."));
    expect(other.status).toBe(400);
    expect((await other.json()) as PagerDutyResponse).toEqual({
      status: "invalid event",
      message: "No.",
      errors: ["No."],
    });
  });
});
