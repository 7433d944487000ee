import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { describe, expect, it, vi } from "vitest";
import type { Principal } from "../../schema";
import type { AppEnv, WorkspaceStub } from "../../worker/env";
import { onError } from "../../worker/errors";
import { isRetryable, readWithRetry } from "../../worker/lib/do-retry";
import { authenticateMetered } from "../../worker/middleware/rate-limit";
import { captureConsole } from "../helpers/console";

/**
 * Durable Object faults (bad-inputs.md, "WebSockets and DO lifecycle"): `.overloaded` leaves
 * as 503 without a retry; `.retryable` is retried once, and only for idempotent reads.
 */

/** An error shaped like the runtime's Durable Object errors (flags set on an Error). */
const doError = (flags: { overloaded?: boolean; retryable?: boolean }, message = "DO fault") =>
  Object.assign(new Error(message), flags);

const principal: Principal = {
  tokenId: "tok-1",
  name: "reader",
  role: "viewer",
};

/** A stub whose authenticate/admit fail as scripted, counting calls. */
function fakeStub(failures: Error[]) {
  const calls = { authenticate: 0, admit: 0 };
  const stub = {
    async authenticate() {
      calls.authenticate++;
      const failure = failures.shift();
      if (failure) throw failure;
      return principal;
    },
    async admit() {
      calls.admit++;
      const failure = failures.shift();
      if (failure) throw failure;
      return { result: "admitted" as const, principal };
    },
  };
  return { stub: stub as unknown as WorkspaceStub, calls };
}

const credential = { kind: "token" as const, secret: "odk.ws.secret" };

function appThrowing(error: Error) {
  let runs = 0;
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.get("/x", () => {
    runs++;
    throw error;
  });
  app.onError(onError);
  return { app, runs: () => runs };
}

describe("onError and Durable Object errors", () => {
  it("maps `.overloaded` to 503 problem+json with Retry-After, running the handler once", async () => {
    const { app, runs } = appThrowing(doError({ overloaded: true, retryable: false }));
    const res = await app.request("/x");
    expect(res.status).toBe(503);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(await res.json()).toMatchObject({ status: 503, code: "overloaded" });
    expect(runs()).toBe(1);
  });

  it("an unexpected error is a generic 500 with the request id: no message, no stack", async () => {
    const secret = "odk.ws.s3cr3t-token-value";
    const { app } = appThrowing(new Error(`upstream said Authorization: Bearer ${secret}`));
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await app.request("/x");
    // The log keeps the request id and the shape of the failure, never the credential.
    const line = logged.mock.calls.map((args) => args.join(" ")).join("\n");
    logged.mockRestore();
    expect(line).toContain("upstream said Authorization: Bearer [redacted]");
    expect(line).not.toContain(secret);
    expect(res.status).toBe(500);
    const text = await res.text();
    const body = JSON.parse(text) as { code: string; requestId: string; detail: string };
    expect(body.code).toBe("internal_error");
    expect(body.detail).toContain(body.requestId);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("a `.retryable` (not overloaded) error is still a 500 when it reaches onError", async () => {
    const { app } = appThrowing(doError({ retryable: true }));
    const errors = captureConsole("error");
    const res = await app.request("/x");
    expect(res.status).toBe(500);
    const { requestId } = (await res.json()) as { requestId: string };
    expect(errors.lines()).toEqual([`request ${requestId} failed: DO fault`]);
  });
});

describe("retrying idempotent reads once", () => {
  it("classifies the runtime's flags", () => {
    expect(isRetryable(doError({ retryable: true }))).toBe(true);
    expect(isRetryable(doError({ retryable: true, overloaded: true }))).toBe(false);
    expect(isRetryable(doError({ overloaded: true }))).toBe(false);
    expect(isRetryable(new Error("plain"))).toBe(false);
    expect(isRetryable({ retryable: true })).toBe(false);
  });

  it("readWithRetry runs a read again once after a retryable failure, never twice", async () => {
    let n = 0;
    expect(
      await readWithRetry(async () => {
        if (n++ === 0) throw doError({ retryable: true });
        return "ok";
      }),
    ).toBe("ok");
    expect(n).toBe(2);
    n = 0;
    await expect(
      readWithRetry(async () => {
        n++;
        throw doError({ retryable: true }, "still down");
      }),
    ).rejects.toThrow("still down");
    expect(n).toBe(2);
  });

  it("authenticating a GET retries a retryable fault once and succeeds", async () => {
    const { stub, calls } = fakeStub([doError({ retryable: true })]);
    expect(await authenticateMetered(stub, credential, "GET")).toEqual(principal);
    expect(calls.authenticate).toBe(2);
  });

  it("never retries an overloaded object: the error goes straight out (503 via onError)", async () => {
    const { stub, calls } = fakeStub([doError({ overloaded: true, retryable: true })]);
    await expect(authenticateMetered(stub, credential, "GET")).rejects.toMatchObject({
      overloaded: true,
    });
    expect(calls.authenticate).toBe(1);
  });

  it("never repeats a mutation's admission, even when the fault is retryable", async () => {
    const { stub, calls } = fakeStub([doError({ retryable: true })]);
    await expect(authenticateMetered(stub, credential, "POST")).rejects.toMatchObject({
      retryable: true,
    });
    expect(calls.admit).toBe(1);
  });
});
