import { describe, expect, it } from "vitest";
import { bearerToken } from "../../worker/lib/bearer";

describe("bearerToken", () => {
  it("returns the token after the Bearer scheme, whatever the scheme's case", () => {
    expect(bearerToken("Bearer odk.demo.abc")).toBe("odk.demo.abc");
    expect(bearerToken("bearer odk.demo.abc")).toBe("odk.demo.abc");
    expect(bearerToken("BEARER odk.demo.abc")).toBe("odk.demo.abc");
  });

  it("accepts any whitespace between scheme and token, but nothing around them", () => {
    expect(bearerToken("Bearer   odk.demo.abc")).toBe("odk.demo.abc");
    expect(bearerToken("Bearer\todk.demo.abc")).toBe("odk.demo.abc");
    expect(bearerToken(" Bearer odk.demo.abc")).toBeUndefined();
    expect(bearerToken("Bearer odk.demo.abc ")).toBeUndefined();
    expect(bearerToken("Bearer odk.demo abc")).toBeUndefined();
  });

  it("is undefined when the header is missing or empty, or the token is", () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer ")).toBeUndefined();
    expect(bearerToken("Bearer    ")).toBeUndefined();
  });

  it("is undefined for other schemes and for a bare token", () => {
    expect(bearerToken("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(bearerToken("Token odk.demo.abc")).toBeUndefined();
    expect(bearerToken("BearerX odk.demo.abc")).toBeUndefined();
    expect(bearerToken("odk.demo.abc")).toBeUndefined();
  });
});
