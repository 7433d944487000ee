import {
  fail,
  ok,
  type CreateMaintenanceBody,
  type CreateSilenceBody,
  type Outcome,
  type Principal,
  type Silence,
  type SilenceKind,
  type SilenceQuery,
} from "../../schema";
import { reapplySilences } from "../domain/silences";
import type { Alerts } from "./alerts";
import type { AlarmTasks, Host } from "./host";

/**
 * Silences and maintenance windows: matching alerts are suppressed while one is active. The
 * `silences` alarm task fires at each start or end, so suppression follows the clock.
 */
export class SilenceWindows {
  constructor(
    private readonly host: Host,
    private readonly alerts: Alerts,
  ) {}

  readonly tasks: AlarmTasks = {
    silences: (now) => this.boundary(now),
  };

  list(kind: SilenceKind, query: SilenceQuery): Silence[] {
    return this.alerts.silences.list(kind, new Date(), query.state);
  }

  get(kind: SilenceKind, id: string): Outcome<Silence> {
    const silence = this.alerts.silences.get(kind, id, new Date());
    return silence ? ok(silence) : fail(404, "not_found", `No ${kind} '${id}'.`, { field: "id" });
  }

  /** Creates a silence or maintenance window; matching open alerts are suppressed at once. */
  async create(
    actor: Principal,
    kind: SilenceKind,
    body: CreateSilenceBody | CreateMaintenanceBody,
  ): Promise<Outcome<Silence>> {
    const now = new Date();
    const created = this.alerts.silences.create(kind, body, actor.name, now);
    if (!created.ok) return created;
    this.host.audit.record(
      actor,
      `${kind}.create`,
      created.value.id,
      { after: created.value },
      now,
    );
    this.reapply(now);
    await this.scheduleBoundary(now);
    return created;
  }

  /** Ends a silence or window now; idempotent for one already over. */
  async expire(actor: Principal, kind: SilenceKind, id: string): Promise<Outcome<Silence>> {
    const now = new Date();
    const expired = this.alerts.silences.expire(kind, id, actor.name, now);
    if (!expired.ok) return expired;
    const { before, after, changed } = expired.value;
    if (changed) {
      this.host.audit.record(actor, `${kind}.expire`, id, { before, after }, now);
      this.reapply(now);
      await this.scheduleBoundary(now);
    }
    return ok(after);
  }

  private reapply(now: Date): void {
    if (reapplySilences(this.alerts.store, this.alerts.silences, now) > 0) this.alerts.publish(now);
  }

  /** Points the `silences` alarm task at the next start or end of any silence. */
  private async scheduleBoundary(now: Date): Promise<void> {
    const next = this.alerts.silences.nextBoundary(now);
    if (next !== undefined) return this.host.schedule.set("silences", next);
    this.host.schedule.cancel("silences");
    await this.host.schedule.arm();
  }

  /** A silence started or ended: re-apply silences, then wait for the next boundary. */
  private boundary(now: number): void {
    const at = new Date(now);
    this.reapply(at);
    const next = this.alerts.silences.nextBoundary(at);
    if (next === undefined) this.host.schedule.cancel("silences");
    else this.host.schedule.write("silences", next);
  }
}
