import { createServer, type Server } from "node:http";

export type ProxyMode = "ok" | "500" | "garbage" | "hang" | "huge" | "redirect";

/**
 * `POST /__mode` body. Without `path` it sets the mode every other request gets. With `path`
 * (e.g. `/agree-1a2b`) it sets the mode of requests under that first path segment only, so a
 * test that points an RPC URL at `<proxy>/<its own segment>` never meets another file's mode;
 * anvil ignores the path. `passChainId` forwards `eth_chainId` calls whatever the mode, so the
 * URL passes Opsdeck's check when a network is added and only the collection that follows
 * meets the fault.
 */
export type ProxyControl = { mode: ProxyMode; path?: string; passChainId?: boolean };

type Route = { mode: ProxyMode; passChainId: boolean };

const segment = (path: string) => new URL(path, "http://proxy").pathname.split("/")[1] ?? "";

/** True when the JSON-RPC body (one call or a batch) asks for nothing but `eth_chainId`. */
function onlyChainId(body: Buffer): boolean {
  try {
    const parsed: unknown = JSON.parse(body.toString());
    const calls: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    return (
      calls.length > 0 &&
      calls.every(
        (c) => typeof c === "object" && c !== null && Reflect.get(c, "method") === "eth_chainId",
      )
    );
  } catch {
    return false;
  }
}

/**
 * A loopback HTTP proxy in front of a real peer (anvil) whose behaviour a test switches with
 * `POST /__mode` (see ProxyControl): forward, fail with 500, answer HTML, never answer, send
 * 50 MB, or redirect to a private address. It lets in-workerd tests drive failure and recovery.
 */
export async function startFlakyProxy(
  target: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  let globalMode: ProxyMode = "ok";
  const routes = new Map<string, Route>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === "/__mode") {
      const control = JSON.parse(body.toString()) as ProxyControl;
      if (control.path) {
        routes.set(segment(control.path), {
          mode: control.mode,
          passChainId: control.passChainId ?? false,
        });
      } else {
        globalMode = control.mode;
      }
      res.writeHead(204).end();
      return;
    }
    const route = routes.get(segment(req.url ?? "/"));
    const mode = !route ? globalMode : route.passChainId && onlyChainId(body) ? "ok" : route.mode;
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
