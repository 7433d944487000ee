import type { Credential, Principal } from "../../schema";
import type { WorkspaceStub } from "../env";
import { ApiError } from "../errors";
import { readWithRetry } from "../lib/do-retry";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Resolves the caller, charging a mutation against its token's rate limit.
 *
 * Where the counters live: in the workspace object, in memory, per token. Every request
 * of a workspace already goes through its object to authenticate, so charging there costs
 * no extra round trip and counts exactly, however many Worker isolates (in however many
 * locations) the flood is spread over; counters in the isolate would each see a slice and
 * let N times the limit through. Keeping them in memory rather than SQLite avoids a write
 * per request; eviction (only after the object idles) merely resets allowances.
 *
 * Reads are not metered: they stay on the plain `authenticate` call, and thousands of
 * sockets of one dashboard token must be able to connect after a deploy.
 *
 * @example const principal = await authenticateMetered(stub, credential, c.req.method)
 */
export async function authenticateMetered(
  stub: WorkspaceStub,
  credential: Credential,
  method: string,
): Promise<Principal | undefined> {
  // Every read passes here first, so this is the one place a transient object fault on an
  // idempotent request is absorbed (once); a mutation's admit() is never repeated.
  if (SAFE_METHODS.has(method)) return readWithRetry(() => stub.authenticate(credential));
  const admission = await stub.admit(credential);
  if (admission.result === "admitted") return admission.principal;
  if (admission.result === "unauthenticated") return undefined;
  const seconds = admission.retryAfterSeconds;
  throw new ApiError(
    429,
    "rate_limited",
    `Too many changes from '${admission.tokenName}': retry in ${seconds} s (the limit is per token).`,
    undefined,
    { "Retry-After": String(seconds) },
  );
}
