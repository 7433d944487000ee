import { z } from "zod";

/**
 * Hard caps on how many rows of a kind a workspace may hold, so no table grows without end
 * even under a sender or an admin credential in hostile hands. One source for the object, the
 * README and the tests.
 */

/**
 * Open alerts per workspace: firing, acknowledged or silenced, not resolved or dismissed.
 * Far above any real incident (an Alertmanager storm is hundreds to a few thousand), small
 * enough that the board, the snapshot and the status page count it quickly. A sender
 * delivery that would open alerts past it is refused whole (503, or 429 for PagerDuty-style
 * events), so the sender retries it later; updates and resolves of stored alerts still apply.
 */
export const OPEN_ALERTS_MAX = 10_000;

/**
 * What a refused delivery is told to wait. Alertmanager and Grafana retry a 5xx with their
 * own back-off (they ignore the header); PagerDuty-style clients honour it.
 */
export const ALERT_LIMIT_RETRY_AFTER_SECONDS = 60;

/** Active (not revoked) API tokens per workspace; past it `POST api/tokens` is a 409. */
export const ACTIVE_TOKENS_MAX = 500;

/** Sender integrations (GitHub, Alertmanager, Grafana, PagerDuty-style) per workspace. */
export const WEBHOOK_INTEGRATIONS_MAX = 50;

/**
 * Revoked tokens are kept this long after their revocation, then removed by the retention
 * alarm task with their hash. The audit trail names tokens by name, so it loses nothing.
 */
export const REVOKED_TOKEN_DAYS = 90;

/** Why a sender's alerts were refused (the `reason` label of `/metrics`). */
export const AlertRefusalReason = z.enum(["open_alert_limit"]);
export type AlertRefusalReason = z.infer<typeof AlertRefusalReason>;

/** The open-alert cap, how full it is and what it refused, for `/metrics`. */
export const AlertLimitStats = z.object({
  open: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  /** Deliveries (or PagerDuty-style events) refused, by reason, since the workspace began. */
  refused: z.partialRecord(AlertRefusalReason, z.number().int().nonnegative()),
});
export type AlertLimitStats = z.infer<typeof AlertLimitStats>;

/** Members per workspace (disabled ones count); past it accepting an invitation is a 409. */
export const MEMBERS_MAX = 1_000;

/** Open (unaccepted, unexpired) invitations per workspace; past it `POST api/invitations` is a 409. */
export const OPEN_INVITATIONS_MAX = 100;

/** How long an invitation link stays valid; expired ones are removed by the retention task. */
export const INVITATION_TTL_DAYS = 7;

/** Live browser sessions per member: a sign-in past it ends that member's oldest session. */
export const MEMBER_SESSIONS_MAX = 20;
