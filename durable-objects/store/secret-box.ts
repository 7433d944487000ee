import { base64ToBytes, bytesToBase64 } from "../../lib/base64";

/**
 * AES-256-GCM encryption of integration secrets at rest. Ciphertexts carry the id of the
 * key that sealed them (`v1.<kid>.<iv>.<ct>`), so after a rotation the previous key still
 * opens old values until they are re-sealed.
 */
export class SecretBox {
  private constructor(
    private readonly keys: Map<string, CryptoKey>,
    private readonly current: string,
  ) {}

  /**
   * From the SECRETS_KEY setting: comma-separated base64 keys; the first seals, the others
   * (previous keys during a rotation) only open. Undefined when no key is configured.
   * @example await SecretBox.fromSetting("bmV3…,b2xk…")
   */
  static async fromSetting(setting: string | undefined): Promise<SecretBox | undefined> {
    const [primary, ...previous] = (setting ?? "").split(",").map((k) => k.trim());
    return primary ? SecretBox.from(primary, previous) : undefined;
  }

  /** `primary` and `previous` are base64-encoded 32-byte keys. */
  static async from(primary: string, previous: string[] = []): Promise<SecretBox> {
    const keys = new Map<string, CryptoKey>();
    const currentId = await SecretBox.add(keys, primary);
    for (const key of previous) if (key) await SecretBox.add(keys, key);
    return new SecretBox(keys, currentId);
  }

  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const key = this.keys.get(this.current)!;
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      key,
      new TextEncoder().encode(plaintext),
    );
    return ["v1", this.current, bytesToBase64(iv), bytesToBase64(new Uint8Array(ct))].join(".");
  }

  /** Throws when the value was sealed by a key not configured here, or was altered. */
  async open(sealed: string): Promise<string> {
    const [version, kid, iv, ct, extra] = sealed.split(".");
    const key = kid === undefined ? undefined : this.keys.get(kid);
    if (version !== "v1" || !key || !iv || !ct || extra !== undefined)
      throw new Error("secret sealed with an unknown key");
    try {
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: base64ToBytes(iv) },
        key,
        base64ToBytes(ct),
      );
      return new TextDecoder().decode(pt);
    } catch {
      // GCM's tag check failed (or the base64 is broken): never return altered plaintext.
      throw new Error("sealed secret failed its integrity check");
    }
  }

  needsReseal(sealed: string): boolean {
    return sealed.split(".")[1] !== this.current;
  }

  private static async add(keys: Map<string, CryptoKey>, b64: string): Promise<string> {
    let raw: Uint8Array<ArrayBuffer>;
    try {
      raw = base64ToBytes(b64);
    } catch {
      raw = new Uint8Array(0);
    }
    if (raw.byteLength !== 32) throw new Error("SECRETS_KEY must be 32 bytes, base64-encoded");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    const kid = Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    keys.set(
      kid,
      await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    );
    return kid;
  }
}
