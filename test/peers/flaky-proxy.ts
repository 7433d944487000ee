import { createServer, type Server } from "node:http";

export type ProxyMode = "ok" | "500" | "garbage" | "hang" | "huge" | "redirect";

/**
 * A loopback HTTP proxy in front of a real peer (anvil) whose behaviour a test switches with
 * `POST /__mode {"mode": …}`: forward, fail with 500, answer HTML, never answer, send 50 MB,
 * or redirect to a private address. It lets in-workerd tests drive failure and recovery.
 */
export async function startFlakyProxy(
  target: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  let mode: ProxyMode = "ok";
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === "/__mode") {
      mode = (JSON.parse(body.toString()) as { mode: ProxyMode }).mode;
      res.writeHead(204).end();
      return;
    }
    switch (mode) {
      case "500":
        res.writeHead(500, { "Content-Type": "text/plain" }).end("upstream exploded");
        return;
      case "garbage":
        res
          .writeHead(200, { "Content-Type": "text/html" })
          .end("<html><body>Login required</body></html>");
        return;
      case "hang":
        setTimeout(() => res.destroy(), 20_000).unref();
        return;
      case "huge": {
        res.writeHead(200, { "Content-Type": "application/json" });
        const block = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 50 && !res.destroyed; i++) res.write(block);
        res.end();
        return;
      }
      case "redirect":
        res.writeHead(302, { Location: "http://169.254.169.254/latest/meta-data" }).end();
        return;
      default: {
        const upstream = await fetch(target, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
        });
        res
          .writeHead(upstream.status, { "Content-Type": "application/json" })
          .end(Buffer.from(await upstream.arrayBuffer()));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
