// CPU profile of the workerd isolate that runs the app (the Worker and its objects share it
// locally), taken through the V8 inspector Miniflare exposes (`inspectorPort`). Used by
// `bench/abuse.mjs --profile` to say where a flood's time goes: self time per function, and
// how much of the wall time the isolate was busy at all.
import WebSocket from "ws";

/** Connects to the inspector at `port` and starts sampling; `stop()` returns the summary. */
export async function startCpuProfile(port, { intervalUs = 200 } = {}) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl?.includes("app")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 1;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
  await send("Profiler.start");
  return {
    async stop() {
      const { result } = await send("Profiler.stop");
      ws.close();
      return summarise(result.profile);
    },
  };
}

/**
 * Self time per function (name, file:line), the same charged to the nearest function of the
 * app's bundle (so SQL `exec` or `Response` count toward whoever called them), and the busy share.
 */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (f) =>
    `${f.functionName || "(anonymous)"} ${(f.url || "").split("/").pop()}:${f.lineNumber + 1}`;
  /** The chain of bundle functions above a node, innermost first (at most `depth`). */
  const appChain = (id, depth) => {
    const chain = [];
    for (let at = id; at !== undefined && chain.length < depth; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (f.url && f.url.endsWith("index.js")) chain.push(keyOf(f));
    }
    return chain.join(" < ") || "(no app frame)";
  };
  const byApp = new Map();
  const selfUs = new Map();
  const deltas = profile.timeDeltas ?? [];
  let idle = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = deltas[i + 1] ?? 0;
    total += dt;
    const node = byId.get(id);
    const f = node.callFrame;
    if (f.functionName === "(idle)" || f.functionName === "(program)") idle += dt;
    const key = keyOf(f);
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    if (f.functionName !== "(idle)" && f.functionName !== "(program)") {
      const chain = appChain(id, 3);
      byApp.set(chain, (byApp.get(chain) ?? 0) + dt);
    }
  });
  const top = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: total ? us / total : 0 }));
  const callers = [...byApp]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: total ? us / total : 0 }));
  return { wallMs: total / 1000, busyMs: (total - idle) / 1000, top, callers };
}
