import { describe, expect, it } from "vitest";
import type { Deployment } from "../../schema";
import { rollbackTarget } from "../../durable-objects/domain/deploy-actions";
import { providerFailure } from "../../durable-objects/domain/github-access";
import { LOG_LIMITS, parseLog } from "../../providers/github/actions";
import { GithubError } from "../../providers/github/client";

const at = (hoursAgo: number) =>
  new Date(Date.UTC(2026, 0, 10) - hoursAgo * 3_600_000).toISOString();

function deployment(
  id: number,
  overrides: Partial<Deployment>,
): Deployment & { repository: string; environmentName: string } {
  return {
    id: `gh-deploy-${id}`,
    name: "acme/shop",
    environment: "production",
    status: "success",
    branch: "main",
    commit: String(id).repeat(40).slice(0, 40),
    author: "octocat",
    timestamp: at(10 - id),
    duration: "10s",
    durationMs: 10_000,
    repository: "acme/shop",
    environmentName: "production",
    source: "github",
    ...overrides,
  } as Deployment & { repository: string; environmentName: string };
}

describe("rollbackTarget", () => {
  const d1 = deployment(1, {});
  const d2 = deployment(2, { status: "failed" });
  const d3 = deployment(3, { commit: d1.commit });
  const d4 = deployment(4, {});
  const staging = deployment(5, {
    environmentName: "staging",
    environment: "staging",
    timestamp: at(20),
  });
  const otherRepo = deployment(6, { repository: "acme/other", timestamp: at(20) });
  const all = [d1, d2, d3, d4, staging, otherRepo];

  it("picks the newest earlier success with another commit", () => {
    // d3 succeeded but runs d1's commit... it is still another commit than d4's, so it wins.
    expect(rollbackTarget(d4, all)).toMatchObject({ ok: true, value: { id: d3.id } });
    // From d3, d1 has the same commit (nothing would change) and d2 failed: nothing left.
    expect(rollbackTarget(d3, all)).toMatchObject({ ok: false, code: "rollback_conflict" });
  });

  it("accepts a named target only when it is an earlier success of the same environment", () => {
    expect(rollbackTarget(d4, all, d1.id)).toMatchObject({ ok: true, value: { id: d1.id } });
    for (const id of [d2.id, staging.id, otherRepo.id, d4.id, "gh-deploy-99"])
      expect(rollbackTarget(d4, all, id)).toMatchObject({
        ok: false,
        status: 409,
        code: "rollback_conflict",
      });
  });
});

describe("parseLog", () => {
  it("reads GitHub's per-line timestamps, keeps untimed lines with the time before", () => {
    const text =
      "\uFEFF2026-01-01T00:00:00.1234567Z first\r\nwrapped\n2026-01-01T00:00:02Z second\n";
    expect(parseLog(text, false)).toEqual({
      truncated: false,
      logs: [
        { time: "2026-01-01T00:00:00.123Z", message: "first" },
        { time: "2026-01-01T00:00:00.123Z", message: "wrapped" },
        { time: "2026-01-01T00:00:02.000Z", message: "second" },
      ],
    });
  });

  it("keeps the tail of a long log and says it is cut", () => {
    const lines = Array.from(
      { length: LOG_LIMITS.lines + 10 },
      (_, i) => `2026-01-01T00:00:00Z line ${i}`,
    );
    const parsed = parseLog(lines.join("\n"), false);
    expect(parsed.truncated).toBe(true);
    expect(parsed.logs).toHaveLength(LOG_LIMITS.lines);
    expect(parsed.logs.at(-1)!.message).toBe(`line ${LOG_LIMITS.lines + 9}`);
    // A tail cut mid-line drops the fragment.
    expect(parseLog("ment\n2026-01-01T00:00:00Z whole\n", true).logs).toEqual([
      { time: "2026-01-01T00:00:00.000Z", message: "whole" },
    ]);
  });
});

describe("providerFailure", () => {
  const now = 1_700_000_000_000;
  it("maps GitHub refusing the action to 409 with GitHub's words", () => {
    for (const [category, status] of [
      ["forbidden", 403],
      ["not_found", 404],
      ["rejected", 409],
      ["rejected", 422],
    ] as const) {
      const failure = providerFailure(
        new GithubError("x", category, status, undefined, "Cannot cancel"),
        now,
      );
      expect(failure).toMatchObject({ status: 409, code: "provider_conflict" });
      expect(failure.detail).toContain("Cannot cancel");
    }
  });

  it("maps GitHub's own trouble to 502/503 upstream_error, with Retry-After for rate limits", () => {
    expect(
      providerFailure(new GithubError("x", "unauthorized", 401, undefined, "Bad credentials"), now),
    ).toMatchObject({ status: 502, code: "upstream_error" });
    expect(providerFailure(new GithubError("x", "server", 502), now)).toMatchObject({
      status: 502,
    });
    expect(providerFailure(new GithubError("x", "timeout"), now)).toMatchObject({ status: 503 });
    expect(
      providerFailure(new GithubError("x", "rate_limited", 403, now + 90_000), now),
    ).toMatchObject({ status: 503, retryAfterSeconds: 90 });
    expect(providerFailure(new Error("boom"), now)).toMatchObject({
      status: 502,
      code: "upstream_error",
    });
  });
});
