import { fail, type Outcome } from "../../schema";

/** The body as bytes, or 413 `payload_too_large`. */
export type CappedBody = Outcome<Uint8Array<ArrayBuffer>>;

const tooLarge = (max: number) =>
  fail(413, "payload_too_large", `Bodies are limited to ${max} bytes on this endpoint.`);

/**
 * Reads a request body of at most `max` bytes, counting as it streams: a declared
 * Content-Length over the cap is refused before a byte is read, and a chunked body (or one
 * whose Content-Length lies) is cut off as soon as the count passes the cap, so at most `max`
 * bytes (plus the one chunk that crossed it) are ever held. Used by every unauthenticated
 * receiver, where the caller's credential is checked only after the body is in hand.
 * @example const body = await readCappedBody(c.req.raw, 2 * 1024 * 1024); if (!body.ok) throw ApiError.from(body);
 */
export async function readCappedBody(req: Request, max: number): Promise<CappedBody> {
  const declared = req.headers.get("Content-Length");
  if (declared !== null && Number(declared) > max) {
    await cancel(req.body);
    return tooLarge(max);
  }
  if (!req.body) return { ok: true, value: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(max);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, value: body };
}

/** Drops a body we will not read (a refused request), so the runtime stops receiving it. */
export async function cancel(body: ReadableStream | null): Promise<void> {
  await body?.cancel().catch(() => undefined);
}
