import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../../lib/base64";

/** getRandomValues fills at most 64 KiB per call. */
function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

describe("bytesToBase64 / base64ToBytes", () => {
  it("encodes nothing as the empty text and back", () => {
    expect(bytesToBase64(new Uint8Array(0))).toBe("");
    expect(base64ToBytes("")).toEqual(new Uint8Array(0));
  });

  it("pads odd lengths as standard base64 does", () => {
    expect(bytesToBase64(new Uint8Array([104]))).toBe("aA==");
    expect(bytesToBase64(new Uint8Array([104, 105]))).toBe("aGk=");
    expect(bytesToBase64(new Uint8Array([104, 105, 33]))).toBe("aGkh");
    expect(base64ToBytes("aGk=")).toEqual(new Uint8Array([104, 105]));
  });

  it("matches Node's Buffer at odd lengths and around the chunk edges", () => {
    for (const length of [1, 2, 3, 5, 7, 255, 30719, 30720, 30721, 61441, 100_003]) {
      const bytes = randomBytes(length);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(base64ToBytes(text)).toEqual(bytes);
    }
  });

  it("round-trips 1 MiB of random bytes, far past where one spread call throws", () => {
    const bytes = randomBytes(1024 * 1024);
    // The bug this replaces: one argument per byte is more than V8 allows.
    expect(() => String.fromCharCode(...bytes)).toThrow(RangeError);
    const text = bytesToBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64"));
    const back = base64ToBytes(text);
    expect(back.byteLength).toBe(bytes.byteLength);
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it("decodes every byte value, and refuses text that is not base64", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(Buffer.from(all).toString("base64"))).toEqual(all);
    expect(() => base64ToBytes("not base64!")).toThrow();
  });
});
