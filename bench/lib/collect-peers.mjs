// Peers for the collection bench (bench/collect.mjs): the tests' own GitHub and AWS stand-ins
// (test/peers/*.ts, loaded here through a small TypeScript hook), a real anvil, and a counting
// JSON-RPC proxy in front of anvil, so every request the runtime sends out is counted where it
// arrives. Also reads the runtime's CPU time from /proc.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import * as nodeModule from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transformSync } from "esbuild";
import { ROOT } from "../../scripts/lib/dev-server.mjs";

let hooked = false;
/**
 * Lets Node import the stand-ins' TypeScript as vitest does: extensionless relative imports
 * resolve to `.ts`, and `.ts` is compiled with esbuild (strip-only mode refuses parameter
 * properties). Scoped to files under test/.
 */
function hookTypeScript() {
  if (hooked) return;
  hooked = true;
  const testDir = pathToFileURL(path.join(ROOT, "test")).href + "/";
  // Node ≥ 22.15 (the project runs Node 22 from node_modules/.bin).
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      try {
        return next(specifier, context);
      } catch (error) {
        if (specifier.startsWith(".") && context.parentURL?.startsWith(testDir))
          return next(`${specifier}.ts`, context);
        throw error;
      }
    },
    load(url, context, next) {
      if (!url.startsWith(testDir) || !url.endsWith(".ts")) return next(url, context);
      const file = fileURLToPath(url);
      const { code } = transformSync(readFileSync(file, "utf8"), {
        loader: "ts",
        format: "esm",
        target: "node22",
        sourcefile: file,
      });
      return { format: "module", source: code, shortCircuit: true };
    },
  });
}

export async function startGithubStandin() {
  hookTypeScript();
  const mod = await import(pathToFileURL(path.join(ROOT, "test/peers/github-standin.ts")).href);
  return mod.startGithubStandin();
}

/** The AWS stand-in, or undefined when this checkout does not have one (yet). */
export async function startAwsStandin() {
  const file = path.join(ROOT, "test/peers/aws-standin.ts");
  if (!existsSync(file)) return undefined;
  hookTypeScript();
  const mod = await import(pathToFileURL(file).href);
  return mod.startAwsStandin();
}

/**
 * A loopback proxy in front of a JSON-RPC node that counts what it forwards: HTTP requests,
 * JSON-RPC calls (a batch counts each call), by first path segment (so several network
 * entries on one node stay apart), and errors. Forwards over a keep-alive pool.
 */
export async function startCountingProxy(target) {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = { requests: 0, calls: 0, errors: 0, byPath: {}, methods: {} };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      const key = (req.url ?? "/").split("/")[1] || "/";
      counts.byPath[key] = (counts.byPath[key] ?? 0) + 1;
      try {
        const parsed = JSON.parse(body.toString("utf8"));
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          counts.calls++;
          counts.methods[call?.method] = (counts.methods[call?.method] ?? 0) + 1;
        }
      } catch {
        // not JSON: forwarded as it is, anvil answers the error
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: "/",
          method: "POST",
          agent,
          headers: { "Content-Type": "application/json", "Content-Length": body.length },
        },
        (up) => {
          const parts = [];
          up.on("data", (c) => parts.push(c));
          up.on("end", () => {
            if (up.statusCode !== 200) counts.errors++;
            res
              .writeHead(up.statusCode ?? 502, { "Content-Type": "application/json" })
              .end(Buffer.concat(parts));
          });
        },
      );
      out.on("error", () => {
        counts.errors++;
        if (!res.headersSent) res.writeHead(502).end();
      });
      out.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    snapshot: () => ({
      requests: counts.requests,
      calls: counts.calls,
      errors: counts.errors,
      byPath: { ...counts.byPath },
      methods: { ...counts.methods },
    }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * CPU time (ms) spent so far by the given processes, all threads: the sum of each thread's
 * `/proc/<pid>/task/<tid>/schedstat` run time (ns resolution); falls back to utime+stime from
 * `/proc/<pid>/stat` (10 ms ticks) where schedstat is not readable.
 */
export function cpuMs(pids) {
  let total = 0;
  for (const pid of pids) {
    let viaSchedstat = 0;
    let ok = false;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
        viaSchedstat += Number(text.split(" ")[0]) / 1e6;
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (ok) {
      total += viaSchedstat;
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "(comm) ".
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // process gone
    }
  }
  return total;
}

/** utime+stime from `/proc/<pid>/stat` in ms (10 ms ticks; counts exited threads too). */
export function statCpuMs(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // process gone
    }
  }
  return total;
}
