// The baseline: a plain Node `ws` broadcast server, written the way the `ws` README does it.
// On connect it sends a small hello; on `POST /publish` it builds a metrics frame shaped
// like Opsdeck's (same fields, similar size) and sends it to every open client.
// Started by bench/run.mjs as a child process (IPC): sends {ready, url}; stops on {cmd:"stop"}.
import { createServer } from "node:http";
import { WebSocket, WebSocketServer } from "ws";

let seq = 0;
const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/publish") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const value = Number(JSON.parse(body || "{}").value ?? 0);
      const now = new Date().toISOString();
      seq += 1;
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
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(frame);
      }
      res.writeHead(202, { "content-type": "application/json" });
      res.end(JSON.stringify({ accepted: 1 }));
    });
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (ws) => {
  ws.on("error", () => {});
  ws.send(JSON.stringify({ type: "snapshot", payload: {}, seq, ts: new Date().toISOString() }));
});

// A connect burst of thousands of sockets must not be refused by a short accept queue.
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
  const { port } = server.address();
  process.send({ ready: true, url: `http://127.0.0.1:${port}` });
});

function stop() {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("message", (msg) => {
  if (msg?.cmd === "stop") stop();
});
process.on("disconnect", stop);
