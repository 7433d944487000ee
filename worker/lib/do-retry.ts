/**
 * True for a Durable Object error the runtime marks `.retryable` (a dropped connection, an
 * object reset by a deploy) and not `.overloaded`: retrying an overloaded object only adds
 * to its queue, so those leave at once as 503 (see `onError`).
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ("overloaded" in error && error.overloaded === true) return false;
  return "retryable" in error && error.retryable === true;
}

/**
 * Runs an idempotent read of a Durable Object, and once more if it failed retryably. Only
 * for reads: a write that failed may still have happened, so it is never repeated here.
 * @example const principal = await readWithRetry(() => stub.authenticate(credential))
 */
export async function readWithRetry<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isRetryable(error)) throw error;
    return read();
  }
}
