import { AllowedOrigins, ok, type Outcome, type Principal } from "../../schema";
import type { Host } from "./host";

const KEY = "allowed-origins";

/**
 * The browser origins allowed to call this workspace cross-origin (CORS with a bearer token,
 * and the socket with a ticket). One small `meta` row: the Worker reads it for every
 * foreign-Origin request it has not cached, so the read stays a single primary-key lookup.
 */
export class Origins {
  constructor(private readonly host: Host) {}

  /**
   * The stored list, normalised; empty when none is set or the workspace does not exist, so
   * an unknown workspace and an origin that is not listed look the same to the Worker.
   */
  list(): string[] {
    const row = this.host.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY)
      .next();
    return row.done ? [] : AllowedOrigins.parse(JSON.parse(row.value.value)).origins;
  }

  /**
   * Replaces the list (admin), audited with before and after. `origins` must already be
   * checked and normalised by the Worker (lib/origin-policy.ts), which knows the caller.
   */
  set(actor: Principal, origins: string[]): Outcome<string[]> {
    const before = this.list();
    const now = new Date();
    this.host.transaction(() => {
      this.host.sql.exec(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        KEY,
        JSON.stringify({ origins } satisfies AllowedOrigins),
      );
      const change = { before: { origins: before }, after: { origins } };
      this.host.audit.record(actor, "allowed-origins.update", "allowed-origins", change, now);
    });
    return ok(origins);
  }
}
