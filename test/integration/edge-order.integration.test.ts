import { describe, expect, it } from "vitest";
import { LOGIN_PER_CLIENT_EDGE } from "../../worker/lib/login-limit";
import { captureConsole } from "../helpers/console";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * Constant, small work before the credential: where the credential is in a header, a caller
 * without a valid one is refused before its body is read. The body used here never ends, so
 * a handler that waited for it would never answer: an answer within the deadline proves the
 * body was not read.
 */
function endlessBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"samples": ['));
    },
    pull() {
      return new Promise<void>(() => {});
    },
  });
}

async function post(path: string, headers: Record<string, string>): Promise<Response> {
  const answer = call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked", ...headers },
    body: endlessBody(),
  });
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${path}: waited for the body`)), 2_000),
  );
  return Promise.race([answer, deadline]);
}

describe("work before the credential", () => {
  it("the JSON API refuses a missing, garbled, foreign or wrong credential without reading the body", async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace();
    const path = `/w/${ws.id}/api/metrics/samples`;
    const errors = captureConsole("error");
    await expectProblem(await post(path, {}), 401, "unauthenticated");
    await expectProblem(
      await post(path, { Authorization: "Bearer garbage" }),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await post(path, { Authorization: `Bearer ${other.viewer}` }),
      404,
      "not_found",
    );
    await expectProblem(
      await post(path, { Authorization: `Bearer odk.${ws.id}.wrong` }),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await post(path, { Authorization: `Bearer ${ws.viewer}` }),
      403,
      "forbidden",
    );
    expect(errors.lines()).toEqual([]);
    // With the right credential the body is read as before: bad JSON is still a clear 400.
    const bad = await call(
      path,
      bearer(ws.operator, {
        method: "POST",
        body: "{nope",
        headers: { "Content-Type": "application/json" },
      }),
    );
    await expectProblem(bad, 400, "invalid_json");
    const good = await call(
      path,
      jsonInit("POST", { samples: [{ metric: "queue-depth", value: 1 }] }, ws.operator),
    );
    expect(good.status).toBe(202);
  });

  it("the Alertmanager hook checks its token before reading the body", async () => {
    const ws = await makeWorkspace();
    const errors = captureConsole("error");
    await expectProblem(
      await post(`/w/${ws.id}/hooks/alertmanager`, { Authorization: `Bearer amk.${ws.id}.wrong` }),
      401,
      "unauthenticated",
    );
    await expectProblem(
      await post(`/w/ghost-nowhere-1/hooks/alertmanager`, {
        Authorization: "Bearer amk.ghost-nowhere-1.wrong",
      }),
      401,
      "unauthenticated",
    );
    // (The GitHub hook's body handling is being reworked separately: its bodyLimit buffers a
    // chunked body before the route runs, so it is not checked here.)
    expect(errors.lines()).toEqual([]);
  });

  it("sign-in refuses an address over its allowance before reading the body, and caps the body", async () => {
    const ws = await makeWorkspace();
    const ip = "198.51.100.200";
    // Drain this address's allowance on workspaces that do not exist (no object touched).
    for (let i = 0; i < LOGIN_PER_CLIENT_EDGE.burst; i++)
      await call(`/w/nowhere-z/api/session`, {
        ...jsonInit("POST", { token: `odk.nowhere-z.${i}` }),
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
      });
    await expectProblem(
      await post(`/w/${ws.id}/api/session`, { "CF-Connecting-IP": ip }),
      429,
      "rate_limited",
    );
    const huge = await call(`/w/${ws.id}/api/session`, {
      ...jsonInit("POST", { token: "x".repeat(9 * 1024) }),
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": "198.51.100.201" },
    });
    await expectProblem(huge, 413, "payload_too_large");
  });
});
