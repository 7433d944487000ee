// The platform floor: a bare Durable Object doing what the Opsdeck object does on a change,
// with nothing else: persist a seq (so the same output gate applies), build one frame of
// the same shape, send it to every hibernatable socket. No auth, no routing, no snapshot.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS seq (id INTEGER PRIMARY KEY, n INTEGER)");
  }

  get seq() {
    return this.ctx.storage.sql.exec("SELECT n FROM seq WHERE id = 1").toArray()[0]?.n ?? 0;
  }

  async fetch(request) {
    if (new URL(request.url).pathname === "/publish") {
      const { value } = await request.json();
      const seq = this.seq + 1;
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO seq (id, n) VALUES (1, ?)", seq);
      const now = new Date().toISOString();
      const frame = JSON.stringify({
        type: "metrics",
        payload: [
          {
            id: "bench",
            label: "bench",
            value,
            change: 0,
            trend: "stable",
            status: "healthy",
            source: "push",
            updatedAt: now,
          },
        ],
        seq,
        ts: now,
      });
      for (const ws of this.ctx.getWebSockets()) ws.send(frame);
      return Response.json({ accepted: 1 }, { status: 202 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "snapshot", payload: {}, seq: this.seq, ts: "" }));
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketClose(ws, code, reason) {
    if (code !== 1005 && code !== 1006 && code !== 1015) ws.close(code, reason);
  }
}

export default {
  fetch(request, env) {
    return env.ROOM.getByName("bench").fetch(request);
  },
};
