import { DurableObject } from "cloudflare:workers";
import { PING_FRAME, PONG_FRAME } from "../../schema";
import { Capabilities } from "../capabilities/compose";
import { Host } from "../capabilities/host";
import { migrate } from "../store/migrations";

/** When an alarm task throws, it alone runs again this much later. */
const TASK_RETRY_MS = 60_000;

/**
 * The object's own life: storage migrated before any call, the capabilities composed over one
 * host, live sockets and the alarm. The RPC methods sit in the facade classes built on it
 * (people.ts → operations.ts → integrations.ts → ../workspace.ts); RPC reaches methods along
 * the prototype chain, so the split costs callers nothing.
 */
export class WorkspaceBase extends DurableObject<Env> {
  protected readonly host: Host;
  protected readonly c: Capabilities;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
    this.host = new Host(ctx, env);
    this.c = new Capabilities(this.host);
    // Existing clients send this exact text every 30 s; answer it without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  // ── Live sockets (capabilities/sockets.ts) and the alarm ────────────────────────────
  override fetch(request: Request): Promise<Response> {
    return this.c.sockets.upgrade(request);
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.c.sockets.message(ws, message);
  }
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.c.sockets.close(ws, code, reason);
  }
  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.c.sockets.error(ws, error);
  }

  /**
   * Runs every task whose stored due time has come (each capability contributes its own
   * tasks), then re-points the single alarm at the earliest remaining one. Safe to run twice:
   * a task that ran has moved its due time on. A task that throws is retried on its own a
   * minute later; letting it fail the whole alarm would, after the runtime's six retries, drop
   * the alarm and stall every other task.
   */
  override async alarm(): Promise<void> {
    await this.host.schedule.runDue(this.c.alarmTasks, Date.now(), TASK_RETRY_MS);
  }
}
