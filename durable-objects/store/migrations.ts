/**
 * Versioned SQLite migrations for the workspace object. Run once per wake-up inside
 * `blockConcurrencyWhile` (the only place Cloudflare allows schema changes to race-free).
 * Append new entries; never edit a shipped one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: workspace identity, access control, event log, records, settings, audit.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT
  );
  CREATE TABLE sessions (
    hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE TABLE tickets (
    hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL, ts TEXT NOT NULL
  );
  CREATE TABLE records (
    kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, sort_key TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE INDEX records_by_sort ON records (kind, sort_key DESC);
  CREATE TABLE metric_points (
    metric_id TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (metric_id, ts)
  );
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT
  );
  CREATE TABLE schedule (job TEXT PRIMARY KEY, next_at INTEGER NOT NULL);
  `,
  // 2: webhook integrations (secrets sealed, or hashed where only equality is needed) and the
  // delivery ids already applied, for idempotent redelivery.
  `
  CREATE TABLE webhook_integrations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
    secret_sealed TEXT, secret_hash TEXT, previous_sealed TEXT, previous_hash TEXT,
    previous_until INTEGER, options TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
    stats TEXT NOT NULL
  );
  CREATE INDEX webhook_integrations_by_hash ON webhook_integrations (secret_hash);
  CREATE TABLE deliveries (
    key TEXT PRIMARY KEY, integration_id TEXT NOT NULL, received_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_by_time ON deliveries (received_at);
  `,
  // 3: Idempotency-Key records: one per (token, key), a pending claim until the response is
  // stored (sealed, since a response may carry a freshly issued secret), kept 24 h.
  `
  CREATE TABLE idempotency (
    token_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    claim_id TEXT NOT NULL, state TEXT NOT NULL, status INTEGER, response TEXT,
    expires_at INTEGER NOT NULL, PRIMARY KEY (token_id, key)
  );
  CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
  `,
  // 4: metric rollups sized for the chart ranges (5-minute buckets for a day, hourly for a
  // month), so history stays ~1k rows per series instead of one row per raw sample.
  `
  CREATE TABLE metric_rollups (
    metric_id TEXT NOT NULL, res INTEGER NOT NULL, bucket INTEGER NOT NULL,
    sum REAL NOT NULL, count INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    PRIMARY KEY (metric_id, res, bucket)
  );
  `,
  // 5: a socket ticket remembers the browser session it was issued to, so signing out can
  // close that session's live sockets.
  `
  ALTER TABLE tickets ADD COLUMN session_hash TEXT;
  `,
  // 6: alert rules on any metric series (threshold rules beyond the cpu/memory/disk settings).
  `
  CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY, metric TEXT NOT NULL, comparator TEXT NOT NULL, value REAL NOT NULL,
    severity TEXT NOT NULL, name TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
  );
  CREATE INDEX alert_rules_by_metric ON alert_rules (metric);
  `,
  // 7: notification outbox (one row per message and channel, drained in order by the
  // `notify` alarm task, kept as delivery history), per-channel status, and the keys of
  // events already notified, so a repeated alert never notifies twice.
  `
  CREATE TABLE notification_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
    event TEXT NOT NULL, subject TEXT NOT NULL, title TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL, delivered_at INTEGER, last_status INTEGER, last_error TEXT,
    host TEXT
  );
  CREATE INDEX notification_outbox_queue ON notification_outbox (channel, state, seq);
  CREATE TABLE notification_channels (
    channel TEXT PRIMARY KEY, last_success_at INTEGER, last_error_at INTEGER, last_error TEXT,
    dropped INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE notification_keys (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
  CREATE INDEX notification_keys_by_time ON notification_keys (at);
  `,
  // 8: idempotency responses are kept up to 64 KiB (was 512 KiB). Older, larger ones keep
  // their status only, so a retry is refused as "already completed" instead of replayed.
  // 90,000 characters is 64 KiB sealed and base64-encoded, with room for the key id.
  `
  UPDATE idempotency SET response = NULL WHERE length(response) > 90000;
  `,
  // 9: aggregated counters (failed sign-ins and the like): one row per kind and minute, plus
  // an all-time row (bucket 0), so a flood costs an update, never a row per attempt.
  `
  CREATE TABLE counters (
    kind TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (kind, bucket)
  );
  `,
  // 10: members (people who sign in as themselves), their invitations (single use, stored as
  // hashes, expiring), their browser sessions (idle and absolute expiry, a public id to list
  // them by) and the sign-in credentials passkeys and single sign-on will attach; audit rows
  // name their actor by kind and id, so the trail can be filtered by person.
  `
  CREATE TABLE members (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, disabled_at TEXT
  );
  CREATE TABLE invitations (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, email TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE INDEX invitations_by_expiry ON invitations (expires_at);
  CREATE TABLE member_sessions (
    hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, member_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    user_agent TEXT NOT NULL, renew INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX member_sessions_by_member ON member_sessions (member_id);
  CREATE INDEX member_sessions_by_expiry ON member_sessions (expires_at);
  CREATE TABLE member_credentials (
    id TEXT PRIMARY KEY, member_id TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
    data TEXT, created_at TEXT NOT NULL, last_used_at TEXT, UNIQUE (kind, subject)
  );
  CREATE INDEX member_credentials_by_member ON member_credentials (member_id);
  ALTER TABLE audit ADD COLUMN actor_kind TEXT;
  ALTER TABLE audit ADD COLUMN actor_id TEXT;
  CREATE INDEX audit_by_actor ON audit (actor_id, id);
  `,
  // 11: WebAuthn challenges (single use, expiring, bounded per workspace): what a passkey
  // registration or sign-in must answer, and for whom. Passkeys themselves are rows of
  // member_credentials (kind 'passkey', subject = credential id).
  `
  CREATE TABLE passkey_challenges (
    id TEXT PRIMARY KEY, challenge TEXT NOT NULL, purpose TEXT NOT NULL, member_id TEXT,
    invitation_hash TEXT, name TEXT, user_id TEXT, expires_at INTEGER NOT NULL
  );
  CREATE INDEX passkey_challenges_by_expiry ON passkey_challenges (expires_at);
  `,
  // 12: single sign-on flows between the redirect to the identity provider and its callback:
  // keyed by `state`, bound to the browser by a hash of its flow cookie, taken once, and
  // pruned by retention 10 minutes after they began.
  `
  CREATE TABLE sso_flows (
    state TEXT PRIMARY KEY, browser TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE INDEX sso_flows_by_created ON sso_flows (created_at);
  `,
  // 13: the workspace's JWT signing keys (ES256): the public JWK, the private key sealed with
  // the secret box, and when it was retired by rotation; at most JWT_KEYS_MAX rows.
  `
  CREATE TABLE jwt_keys (
    kid TEXT PRIMARY KEY, public_jwk TEXT NOT NULL, private_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL, retired_at INTEGER
  );
  `,
];

export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY)");
  const row = sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM _migrations").one();
  const current = row.v ?? 0;
  MIGRATIONS.forEach((ddl, index) => {
    const version = index + 1;
    if (version <= current) return;
    sql.exec(ddl);
    sql.exec("INSERT INTO _migrations (version) VALUES (?)", version);
  });
}

export const SCHEMA_VERSION = MIGRATIONS.length;
