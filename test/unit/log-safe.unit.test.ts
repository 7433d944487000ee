import { describe, expect, it } from "vitest";
import { logSafe, scrubSecrets } from "../../lib/log-safe";

describe("what reaches the logs", () => {
  it.each([
    ["Authorization: Bearer odk.acme.Zx9s3cr3tvalue", "odk.acme.Zx9s3cr3tvalue"],
    [
      "Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ],
    [
      "bad credentials github_pat_11ABCDEFG0abcdefghijkl_mnop",
      "github_pat_11ABCDEFG0abcdefghijkl_mnop",
    ],
    ["secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw rejected", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    [
      "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed",
      "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ],
    ["Credential=AKIAIOSFODNN7EXAMPLE/20150830/us-east-1", "AKIAIOSFODNN7EXAMPLE"],
    ["fetch https://user:hunter2pass@rpc.example.com/ failed", "hunter2pass"],
    ["GET https://eth.example.com/v2?apikey=9f8e7d6c5b4a&x=1 timed out", "9f8e7d6c5b4a"],
    [
      "X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
      "5d672d79c1",
    ],
  ])("masks %s", (text, secret) => {
    const out = scrubSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
  });

  it("leaves ordinary messages whole", () => {
    const text = "D1_ERROR: no such table: alerts (request 3f2c1a) at 2026-12-03T10:00:00Z";
    expect(scrubSecrets(text)).toBe(text);
  });

  it("logs a thrown value's message, scrubbed, whatever was thrown", () => {
    expect(logSafe(new Error("Bearer abcdefghijklmnop"))).toBe("Bearer [redacted]");
    expect(logSafe("token odk.x.y")).toBe("token odk.[redacted]");
    expect(logSafe(42)).toBe("42");
  });
});
