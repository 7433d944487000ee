import { describe, expect, it } from "vitest";
import { notificationLink } from "../../durable-objects/domain/notifications";

describe("links in notification messages", () => {
  it("prefer the deployment's PUBLIC_URL over the origin an admin last used", () => {
    expect(
      notificationLink("https://ops.example.com/", "http://127.0.0.1:8787", "acme", "/alerts/a1"),
    ).toEqual({ url: "https://ops.example.com/w/acme/alerts/a1" });
  });

  it("keep a PUBLIC_URL path prefix and encode the workspace", () => {
    expect(
      notificationLink("https://example.com/ops//", undefined, "a b", "/incidents/i1"),
    ).toEqual({ url: "https://example.com/ops/w/a%20b/incidents/i1" });
  });

  it("fall back to the remembered origin when PUBLIC_URL is empty or malformed", () => {
    for (const publicUrl of [undefined, "", "  ", "not a url", "javascript:alert(1)", "ftp://x"]) {
      expect(notificationLink(publicUrl, "https://seen.example", "acme", "")).toEqual({
        url: "https://seen.example/w/acme/settings#notifications",
      });
    }
  });

  it("carry no link when neither is known, rather than a guessed one", () => {
    expect(notificationLink("", undefined, "acme", "/alerts/a1")).toEqual({});
  });
});
