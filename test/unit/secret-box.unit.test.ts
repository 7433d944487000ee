import { describe, expect, it } from "vitest";
import { mergeSettings } from "../../durable-objects/domain/settings";
import { MAX_STORED_BYTES } from "../../durable-objects/store/idempotency";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { bytesToBase64 } from "../../lib/base64";
import type { StoredSettings } from "../../schema";

function randomKey(bytes = 32): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(bytes)));
}

const OLD = randomKey();
const NEW = randomKey();

/** Replaces one character of the segment at `index`, keeping it valid base64. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split(".");
  const segment = parts[index]!;
  const swap = segment[0] === "A" ? "B" : "A";
  parts[index] = swap + segment.slice(1);
  return parts.join(".");
}

describe("SecretBox", () => {
  it("seals and opens a value at the largest size it is given (a stored idempotent response)", async () => {
    const box = await SecretBox.from(NEW);
    // Past ~150 kB one spread call per byte threw a RangeError; this is 512 KiB and 2 MiB.
    for (const text of ["é🔑xx".repeat(MAX_STORED_BYTES / 8), "y".repeat(4 * MAX_STORED_BYTES)]) {
      const sealed = await box.seal(text);
      expect(await box.open(sealed)).toBe(text);
    }
  });

  it("round-trips text, including empty and non-ASCII", async () => {
    const box = await SecretBox.from(NEW);
    for (const text of ["ghp_abc123", "", "päss – 🔑", "x".repeat(4096)]) {
      const sealed = await box.seal(text);
      expect(sealed).not.toContain(text || "\u0000");
      expect(await box.open(sealed)).toBe(text);
    }
  });

  it("uses a fresh IV every time and names its key id", async () => {
    const box = await SecretBox.from(NEW);
    const [a, b] = [await box.seal("same"), await box.seal("same")];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
    expect(a.split(".")[1]).toBe(b.split(".")[1]);
  });

  it("after a rotation, a ciphertext from the previous key still opens and is marked for re-sealing", async () => {
    const before = await SecretBox.from(OLD);
    const sealedOld = await before.seal("rotate me");
    const after = await SecretBox.from(NEW, [OLD]);
    expect(await after.open(sealedOld)).toBe("rotate me");
    expect(after.needsReseal(sealedOld)).toBe(true);
    const resealed = await after.seal(await after.open(sealedOld));
    expect(after.needsReseal(resealed)).toBe(false);
    expect(resealed.split(".")[1]).not.toBe(sealedOld.split(".")[1]);
    // The old key alone cannot open what the new key sealed.
    await expect(before.open(resealed)).rejects.toThrow(/unknown key/);
  });

  it("reads SECRETS_KEY as 'new,old': the first key seals, the others only open", async () => {
    const sealedOld = await (await SecretBox.fromSetting(OLD))!.seal("from before");
    const rotated = (await SecretBox.fromSetting(` ${NEW} , ${OLD} `))!;
    expect(await rotated.open(sealedOld)).toBe("from before");
    const fresh = await rotated.seal("after");
    expect(await (await SecretBox.from(NEW)).open(fresh)).toBe("after");
    expect(await SecretBox.fromSetting(undefined)).toBeUndefined();
    expect(await SecretBox.fromSetting("")).toBeUndefined();
    await expect(SecretBox.fromSetting(`${NEW},short`)).rejects.toThrow(/32 bytes/);
  });

  it("once the previous key is dropped, its ciphertexts no longer open", async () => {
    const sealedOld = await (await SecretBox.from(OLD)).seal("gone");
    await expect((await SecretBox.from(NEW)).open(sealedOld)).rejects.toThrow(/unknown key/);
  });

  it("refuses tampered or malformed ciphertexts", async () => {
    const box = await SecretBox.from(NEW);
    const sealed = await box.seal("integrity");
    await expect(box.open(tamper(sealed, 3))).rejects.toThrow(/integrity/);
    await expect(box.open(tamper(sealed, 2))).rejects.toThrow(/integrity/);
    await expect(box.open(sealed.slice(0, -4))).rejects.toThrow();
    await expect(box.open(sealed.replace(/^v1/, "v2"))).rejects.toThrow(/unknown key/);
    await expect(box.open(`${sealed}.extra`)).rejects.toThrow();
    await expect(box.open("v1.deadbeef.AAAA.AAAA")).rejects.toThrow(/unknown key/);
    await expect(box.open("")).rejects.toThrow();
    await expect(box.open("plain text")).rejects.toThrow();
    const [version, kid, iv, ct] = sealed.split(".");
    await expect(box.open([version, kid, iv, "!!not-base64!!"].join("."))).rejects.toThrow();
    expect(await box.open([version, kid, iv, ct].join("."))).toBe("integrity");
  });

  it("rejects keys that are not 32 bytes of base64, primary or previous", async () => {
    for (const bad of [randomKey(16), randomKey(31), randomKey(33), "not base64 at all!", ""]) {
      await expect(SecretBox.from(bad)).rejects.toThrow(/32 bytes/);
    }
    await expect(SecretBox.from(NEW, [randomKey(24)])).rejects.toThrow(/32 bytes/);
  });
});

describe("mergeSettings and key rotation", () => {
  const stored = (token: string): StoredSettings => ({
    notifications: { email: false, slack: false, webhook: false, minSeverity: "warning" },
    thresholds: { cpu: 80, memory: 85, disk: 90 },
    integrations: {
      github: { enabled: true, token },
      aws: { enabled: false },
      slack: { enabled: false },
      webhook: { enabled: false },
    },
  });

  it("re-seals a secret from the previous key under the current one on the next save", async () => {
    const sealedOld = await (await SecretBox.from(OLD)).seal("ghp_rotating");
    const box = await SecretBox.from(NEW, [OLD]);
    const next = await mergeSettings(box, stored(sealedOld), { thresholds: { cpu: 70 } });
    const token = next.integrations.github.token!;
    expect(box.needsReseal(token)).toBe(false);
    expect(await (await SecretBox.from(NEW)).open(token)).toBe("ghp_rotating");
    expect(next.thresholds.cpu).toBe(70);
  });

  it("keeps a current-key secret byte for byte, and one it cannot open as it was", async () => {
    const box = await SecretBox.from(NEW);
    const current = await box.seal("ghp_current");
    expect((await mergeSettings(box, stored(current), {})).integrations.github.token).toBe(current);
    const orphan = await (await SecretBox.from(OLD)).seal("ghp_orphan");
    expect((await mergeSettings(box, stored(orphan), {})).integrations.github.token).toBe(orphan);
  });

  it("null clears; a new value is sealed with the current key", async () => {
    const box = await SecretBox.from(NEW, [OLD]);
    const current = await box.seal("ghp_a");
    const cleared = await mergeSettings(box, stored(current), {
      integrations: { github: { enabled: false, token: null } },
    });
    expect(cleared.integrations.github).toEqual({ enabled: false, token: undefined });
    const replaced = await mergeSettings(box, stored(current), {
      integrations: { github: { enabled: true, token: "ghp_b" } },
    });
    expect(await box.open(replaced.integrations.github.token!)).toBe("ghp_b");
  });
});
