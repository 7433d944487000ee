import { DurableObject } from "cloudflare:workers";

/**
 * The one registry of workspace ids, so the cron can wake each workspace's collectors. It holds
 * ids only; every workspace's state stays in its own object.
 */
export class Directory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, created_at TEXT NOT NULL)",
    );
  }

  register(id: string): void {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO workspaces (id, created_at) VALUES (?, ?)",
      id,
      new Date().toISOString(),
    );
  }

  /**
   * Whether a workspace with this id was created: the Worker asks before it names an object
   * for an untrusted request, so a stranger's slug never creates one (worker/lib/workspace-directory.ts
   * caches the answer at the edge, so this singleton is asked once per slug per isolate and TTL).
   */
  has(id: string): boolean {
    return !this.ctx.storage.sql.exec("SELECT 1 FROM workspaces WHERE id = ? LIMIT 1", id).next()
      .done;
  }

  /** Ids after `cursor`, in order; page through with the last id returned. */
  list(after: string, limit: number): string[] {
    return this.ctx.storage.sql
      .exec<{ id: string }>(
        "SELECT id FROM workspaces WHERE id > ? ORDER BY id LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map((row) => row.id);
  }

  /**
   * The next `limit` ids after the stored cursor, wrapping around, and advances the cursor: a
   * cron that can wake only so many workspaces per tick still reaches all of them in turn.
   */
  nextSlice(limit: number): string[] {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS cursor (k INTEGER PRIMARY KEY CHECK (k = 0), after TEXT NOT NULL)",
    );
    const after = sql.exec<{ after: string }>("SELECT after FROM cursor").next();
    let ids = this.list(after.done ? "" : after.value.after, limit);
    if (ids.length < limit)
      ids = [...ids, ...this.list("", limit - ids.length).filter((id) => !ids.includes(id))];
    sql.exec("INSERT OR REPLACE INTO cursor (k, after) VALUES (0, ?)", ids.at(-1) ?? "");
    return ids;
  }

  count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM workspaces").one().n;
  }
}

/** The directory is a singleton. */
export const DIRECTORY_NAME = "directory";
