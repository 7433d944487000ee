/** Small Web Crypto helpers shared by access control and webhook verification. */

import { bytesToBase64 } from "../../lib/base64";

const encoder = new TextEncoder();

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `<kind>.<workspace>.<256 random bits>`: the Worker can route or refuse a credential unopened. */
export function randomSecret(
  kind: "odk" | "ods" | "odt" | "odi" | "amk" | "pdk" | "whs",
  workspace: string,
): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const random = bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  return `${kind}.${workspace}.${random}`;
}

/** Hex SHA-256 of a string's UTF-8 bytes, or of raw bytes (a webhook body as received). */
export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

export async function hmacSha256Hex(
  secret: string,
  data: string | Uint8Array<ArrayBuffer>,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes)));
}

/** Equal-time comparison of two strings (e.g. hex digests) of any length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
