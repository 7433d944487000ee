import { StoredResponse, type IdempotencyClaim } from "../../schema";
import { pruneIdempotency } from "./retention";
import type { SecretBox } from "./secret-box";

/** Stored responses are replayed for a day (Stripe's and the IETF draft's usual window). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A claim whose request never reported back (the Worker died mid-request) lapses after this
 * long, so the client's retry can run instead of being refused for a day. The only way to
 * apply an effect twice is a retry after this lease when the Worker died after the effect
 * but before storing the response.
 */
export const CLAIM_LEASE_MS = 2 * 60 * 1000;
/**
 * Larger responses are not kept: the key is then remembered as used (status only), and a
 * retry gets a 409 saying the first request completed, never a second run. Our POST answers
 * are a few kB; keys live a day, so this bounds the table at a small multiple of the requests
 * a day rather than half a megabyte each. Counted in UTF-8 bytes, not characters: sealed and
 * base64-encoded, 64 KiB stays under 90 kB (the bound migration 8 applies to older rows).
 */
export const MAX_STORED_BYTES = 64 * 1024;
/** Expired keys removed per claim; the `retention` alarm task removes the rest in batches. */
const EXPIRED_PER_CLAIM = 20;

type Row = {
  fingerprint: string;
  claim_id: string;
  state: "pending" | "done";
  status: number | null;
  response: string | null;
};

/**
 * Idempotency keys per (token, key): a key belongs to the credential that sent it, so one
 * caller can never replay (or block) another's request. `claim` is synchronous SQL with no
 * await, so inside the object's input gate the check and the insert are one atomic step:
 * of two concurrent duplicates exactly one gets `claimed`.
 */
export class IdempotencyStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Check-and-claim; the caller opens a `replay` body with `open`. */
  claim(
    tokenId: string,
    key: string,
    fingerprint: string,
    now: number,
  ): IdempotencyClaim | { state: "stored"; sealed: string; status: number } {
    // Bounded: a claim never pays for a day's backlog. An expired row that survives this is
    // still treated as absent below.
    pruneIdempotency(this.sql, now, EXPIRED_PER_CLAIM);
    const row = this.sql
      .exec<Row>(
        `SELECT fingerprint, claim_id, state, status, response FROM idempotency
         WHERE token_id = ? AND key = ? AND expires_at > ?`,
        tokenId,
        key,
        now,
      )
      .toArray()[0];
    if (!row) {
      const claimId = crypto.randomUUID();
      this.sql.exec(
        `INSERT OR REPLACE INTO idempotency (token_id, key, fingerprint, claim_id, state, expires_at)
         VALUES (?, ?, ?, ?, 'pending', ?)`,
        tokenId,
        key,
        fingerprint,
        claimId,
        now + CLAIM_LEASE_MS,
      );
      return { state: "claimed", claimId };
    }
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.state === "pending") return { state: "in_progress" };
    if (row.response === null) return { state: "unreplayable", status: row.status ?? 0 };
    return { state: "stored", sealed: row.response, status: row.status ?? 0 };
  }

  /**
   * Stores the finished response for replay (sealed when a box is configured; without one
   * only the status is kept, since a response may hold a secret shown once).
   */
  async complete(
    tokenId: string,
    key: string,
    claimId: string,
    response: StoredResponse,
    box: SecretBox | undefined,
    now: number,
  ): Promise<void> {
    const text = JSON.stringify(response);
    const fits = new TextEncoder().encode(text).byteLength <= MAX_STORED_BYTES;
    const sealed = box && fits ? await box.seal(text) : null;
    this.sql.exec(
      `UPDATE idempotency SET state = 'done', status = ?, response = ?, expires_at = ?
       WHERE token_id = ? AND key = ? AND claim_id = ?`,
      response.status,
      sealed,
      now + IDEMPOTENCY_TTL_MS,
      tokenId,
      key,
      claimId,
    );
  }

  /** Forgets a claim whose request failed on our side (5xx), so a retry runs it again. */
  release(tokenId: string, key: string, claimId: string): void {
    this.sql.exec(
      "DELETE FROM idempotency WHERE token_id = ? AND key = ? AND claim_id = ? AND state = 'pending'",
      tokenId,
      key,
      claimId,
    );
  }

  async open(sealed: string, box: SecretBox | undefined): Promise<StoredResponse | undefined> {
    if (!box) return undefined;
    try {
      return StoredResponse.parse(JSON.parse(await box.open(sealed)));
    } catch {
      // Sealed under a key since retired: the response is gone, the key stays used.
      return undefined;
    }
  }
}
