import { DurableObject } from "cloudflare:workers";
import { sessionTimeouts } from "../../durable-objects/domain/session-timeouts";
import { sha256Hex } from "../../durable-objects/lib/crypto";
import { MemberSessionStore } from "../../durable-objects/store/member-sessions";
import { MemberStore } from "../../durable-objects/store/members";
import { migrate } from "../../durable-objects/store/migrations";

/**
 * What the workspace object does for every request with a member's session cookie (as
 * `Members.resolveSession`): SHA-256 of the cookie, the session row by its hash, the member
 * row, and `lastSeenAt` (written at most once a minute), with the real stores on the real
 * schema in SQLite-backed Durable Object storage. `GET /?n=N` runs it N times in one request.
 */
export class SessionBench extends DurableObject {
  private secret?: string;

  private async prepare(): Promise<{ sessions: MemberSessionStore; members: MemberStore }> {
    const sql = this.ctx.storage.sql;
    migrate(sql);
    const members = new MemberStore(sql, () => "bench");
    const sessions = new MemberSessionStore(sql, () => "bench", sessionTimeouts({}));
    if (!this.secret) {
      const member = members.add("bench@example.com", "Bench", "operator", new Date());
      this.secret = (await sessions.open(member.id, "bench", Date.now())).secret;
    }
    return { sessions, members };
  }

  async verify(n: number): Promise<number> {
    const { sessions, members } = await this.prepare();
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const live = sessions.resolve(await sha256Hex(this.secret ?? ""), now);
      const member = live && members.active(live.memberId);
      if (member) {
        members.seen(member.id, now);
        ok++;
      }
    }
    return ok;
  }
}

type Env = { BENCH: DurableObjectNamespace<SessionBench> };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "0");
    const ok = await env.BENCH.getByName("bench").verify(n);
    return ok === n ? new Response("ok") : new Response(`verified ${ok} of ${n}`, { status: 500 });
  },
};
