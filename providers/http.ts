/**
 * Outbound HTTP for collectors: a deadline, no redirects (an allowed host must not bounce us to
 * a private one) and a cap on the body, so a hostile or broken endpoint cannot stall or flood a
 * collection run.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** `credentials`: retrying will not help until someone fixes the integration. */
    readonly kind: "transient" | "credentials" = "transient",
    /** Epoch ms before which a retry is pointless (a rate limit's reset time). */
    readonly retryAt?: number,
  ) {
    super(message);
  }
}

export type BoundedFetchOptions = { timeoutMs: number; maxBytes: number };

export async function boundedFetch(
  url: string,
  init: RequestInit,
  options: BoundedFetchOptions,
): Promise<{ status: number; headers: Headers; body: Uint8Array<ArrayBuffer> }> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const timedOut =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new UpstreamError(
      timedOut ? `no answer within ${options.timeoutMs} ms` : `unreachable: ${String(error)}`,
    );
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new UpstreamError(`redirect (${response.status}) not followed`, response.status);
  }
  const declared = Number(response.headers.get("Content-Length") ?? "0");
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw new UpstreamError(
      `response of ${declared} bytes exceeds ${options.maxBytes}`,
      response.status,
    );
  }
  const body = await readCapped(response, options.maxBytes);
  return { status: response.status, headers: response.headers, body };
}

export async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new UpstreamError(`response exceeds ${maxBytes} bytes`, response.status);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
