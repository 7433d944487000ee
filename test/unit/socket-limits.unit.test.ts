import { describe, expect, it } from "vitest";
import {
  DEFAULT_SOCKET_CAP_PER_PRINCIPAL as PER_PRINCIPAL,
  DEFAULT_SOCKET_CAP_PER_WORKSPACE as PER_WORKSPACE,
  MAX_SOCKET_CAP,
  evictionCount,
  socketCaps,
} from "../../durable-objects/domain/socket-limits";

describe("socketCaps (wrangler.toml [vars])", () => {
  it("reads whole positive numbers", () => {
    expect(
      socketCaps({ SOCKET_CAP_PER_PRINCIPAL: "10", SOCKET_CAP_PER_WORKSPACE: " 300 " }),
    ).toEqual({ perPrincipal: 10, perWorkspace: 300 });
  });

  it("falls back to the defaults for unset or malformed values, never lifting the cap", () => {
    for (const bad of [undefined, "", "0", "-5", "1.5", "1e3", "ten", "Infinity", "9999999"]) {
      expect(socketCaps({ SOCKET_CAP_PER_PRINCIPAL: bad, SOCKET_CAP_PER_WORKSPACE: bad })).toEqual({
        perPrincipal: PER_PRINCIPAL,
        perWorkspace: PER_WORKSPACE,
      });
    }
  });

  it("clamps to the platform's sockets per object", () => {
    expect(socketCaps({ SOCKET_CAP_PER_WORKSPACE: "100000" }).perWorkspace).toBe(MAX_SOCKET_CAP);
  });

  it("fits a browser with several tabs plus contract clients under the default per token", () => {
    expect(PER_PRINCIPAL).toBeGreaterThanOrEqual(20);
    expect(PER_WORKSPACE).toBeGreaterThan(PER_PRINCIPAL);
  });
});

describe("evictionCount", () => {
  it("makes room for exactly one more socket", () => {
    expect(evictionCount(0, 50)).toBe(0);
    expect(evictionCount(49, 50)).toBe(0);
    expect(evictionCount(50, 50)).toBe(1);
    expect(evictionCount(53, 50)).toBe(4);
  });
});
