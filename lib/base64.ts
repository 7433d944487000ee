/**
 * Base64 for byte arrays, in pieces. `String.fromCharCode(...bytes)` passes every byte as an
 * argument, and V8 throws a RangeError once that passes its argument limit (around 100–150 kB),
 * so large values (sealed idempotent responses) must never be spread into one call.
 */

/** Bytes per `String.fromCharCode` call: far below the argument limit, and a multiple of 3. */
const CHUNK = 3 * 1024 * 10; // 30 KiB

/**
 * Standard base64 (with `=` padding) of any number of bytes.
 * @example bytesToBase64(new Uint8Array([104, 105])) // "aGk="
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * The bytes of a standard base64 text; throws (as `atob` does) when the text is not base64.
 * @example base64ToBytes("aGk=") // Uint8Array [104, 105]
 */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
