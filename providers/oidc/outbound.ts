import { checkOutboundUrl } from "../../lib/url-policy";
import { readCapped, UpstreamError } from "../http";

/**
 * The one way the sign-in code reaches an identity provider (discovery, token endpoint, JWKS):
 * every URL passes the outbound URL policy first (a provider's metadata may name any host, so
 * the token and key endpoints are checked too, not only the issuer an admin typed), redirects
 * are not followed, each call has a deadline and each answer a size cap. oauth4webapi and jose
 * both take it as their `customFetch`.
 */

/** The policy refused a URL the flow was about to call; the provider or its config is at fault. */
export class RefusedUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url} refused: ${reason}`);
  }
}

/** A `fetch`-shaped function: what the libraries call, and what tests may wrap to count calls. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export type OutboundOptions = {
  allowLoopback: boolean;
  /** The network underneath (tests wrap it); `globalThis.fetch` by default. */
  fetch?: FetchLike;
  timeoutMs?: number;
  maxBytes?: number;
};

/** Discovery documents and JWKS are a few kB; token responses smaller still. */
export const OIDC_MAX_RESPONSE_BYTES = 256 * 1024;
export const OIDC_TIMEOUT_MS = 5_000;

/**
 * A policy-checked, bounded `fetch` for one configuration.
 * @example const f = outboundFetch({ allowLoopback: false }); await f("https://idp.example/…");
 */
export function outboundFetch(options: OutboundOptions): FetchLike {
  const network = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? OIDC_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? OIDC_MAX_RESPONSE_BYTES;
  return async (input, init) => {
    const href = input instanceof Request ? input.url : String(input);
    const verdict = checkOutboundUrl(href, { allowLoopback: options.allowLoopback });
    if (!verdict.ok) throw new RefusedUrlError(href, verdict.reason);
    // The libraries pass their own signal (jose's JWKS timeout); honour both deadlines.
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    let response: Response;
    try {
      response = await network(input, { ...init, redirect: "manual", signal });
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") throw error;
      throw new UpstreamError(`unreachable: ${error instanceof Error ? error.message : "?"}`);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new UpstreamError(`redirect (${response.status}) not followed`, response.status);
    }
    const body = await readCapped(response, maxBytes);
    // A fresh Response from the capped bytes: the libraries read it whole, and cannot be made
    // to read more than the cap.
    return new Response(response.status === 204 ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
