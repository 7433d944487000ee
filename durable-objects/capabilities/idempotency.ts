import type { IdempotencyClaim, StoredResponse } from "../../schema";
import { IdempotencyStore } from "../store/idempotency";
import type { Host } from "./host";

/**
 * Idempotency-Key for people's POSTs: a claim per token and key, the stored response (sealed)
 * replayed to a retry, a different body under the same key refused.
 */
export class Idempotency {
  private readonly store: IdempotencyStore;

  constructor(private readonly host: Host) {
    this.store = new IdempotencyStore(host.sql);
  }

  /**
   * `fingerprint` is the SHA-256 (hex) of method, path and canonical body, computed in the
   * Worker (worker/middleware/idempotency.ts): the request body itself is never stored.
   */
  async claim(tokenId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const claim = this.store.claim(tokenId, key, fingerprint, Date.now());
    if (claim.state !== "stored") return claim;
    const response = await this.store.open(claim.sealed, await this.host.box());
    return response
      ? { state: "replay", response }
      : { state: "unreplayable", status: claim.status };
  }

  async complete(
    tokenId: string,
    key: string,
    claimId: string,
    response: StoredResponse,
  ): Promise<void> {
    const box = await this.host.box();
    await this.store.complete(tokenId, key, claimId, response, box, Date.now());
  }

  release(tokenId: string, key: string, claimId: string): void {
    this.store.release(tokenId, key, claimId);
  }
}
