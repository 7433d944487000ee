import { MAX_PENDING_SSO_FLOWS, SSO_FLOW_TTL_MS, SsoFlowState } from "../../schema/sso";

/**
 * Started single sign-on flows (state, nonce, PKCE verifier, returnTo), kept server-side
 * between the redirect to the identity provider and its callback. Each is bound to the
 * browser that started it by the hash of its flow cookie, taken (deleted) by the callback
 * that presents both, and lapses after SSO_FLOW_TTL_MS.
 */
export class SsoFlowStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Flows still live at `now` (expired ones wait for retention and are not counted). */
  pending(now: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM sso_flows WHERE created_at > ?",
        now - SSO_FLOW_TTL_MS,
      )
      .one().n;
  }

  /** Keeps a flow; false when MAX_PENDING_SSO_FLOWS live ones are already waiting. */
  put(flow: SsoFlowState, browserHash: string, now: number): boolean {
    if (this.pending(now) >= MAX_PENDING_SSO_FLOWS) return false;
    this.sql.exec(
      "INSERT INTO sso_flows (state, browser, data, created_at) VALUES (?, ?, ?, ?)",
      flow.state,
      browserHash,
      JSON.stringify(flow),
      flow.createdAt,
    );
    return true;
  }

  /**
   * The flow for `state` if this browser started it, deleted as it is read (a replayed
   * callback finds nothing). Another browser's cookie leaves it in place: `mismatch`.
   */
  take(state: string, browserHash: string): SsoFlowState | "mismatch" | undefined {
    const row = this.sql
      .exec<{ browser: string; data: string }>(
        "SELECT browser, data FROM sso_flows WHERE state = ?",
        state,
      )
      .next();
    if (row.done) return undefined;
    if (row.value.browser !== browserHash) return "mismatch";
    this.sql.exec("DELETE FROM sso_flows WHERE state = ?", state);
    const parsed = SsoFlowState.safeParse(JSON.parse(row.value.data));
    return parsed.success ? parsed.data : undefined;
  }
}

/** Retention: flows begun more than SSO_FLOW_TTL_MS ago, at most `limit` per turn. */
export function pruneSsoFlows(sql: SqlStorage, now: number, limit: number): number {
  return sql.exec(
    `DELETE FROM sso_flows WHERE rowid IN
       (SELECT rowid FROM sso_flows WHERE created_at <= ? LIMIT ?)`,
    now - SSO_FLOW_TTL_MS,
    limit,
  ).rowsWritten;
}
