import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";

/**
 * Replays Prometheus's documented answers (test/fixtures/prometheus, see its README) by query.
 * Each test uses its own prefix `/s/<id>`, so it can switch its endpoint down or make it
 * refuse credentials (`POST /__mode?id=&mode=`) and read what the collector sent
 * (`GET /__requests?id=`) without touching other tests.
 */
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/prometheus");

/** Query → [fixture file, HTTP status]. An unknown query is a 400 `error.json`. */
const ANSWERS: Record<string, [string, number]> = {
  up: ["vector-up.json", 200],
  "1": ["scalar.json", 200],
  fixture_scalar: ["scalar.json", 200],
  fixture_string: ["string.json", 200],
  fixture_nonfinite: ["vector-nonfinite.json", 200],
  fixture_warnings: ["vector-warnings.json", 200],
  fixture_bad_data: ["error.json", 400],
  fixture_execution: ["error.json", 422],
  fixture_timeout: ["error.json", 503],
  fixture_error_with_data: ["error-with-data.json", 422],
};
const INSTANT_AT = 1435781451.781;
const RANGE_END = 1435781460.781;

export type StandinRequest = {
  endpoint: string;
  query: string;
  authorization?: string;
  orgId?: string;
};
type Mode = "ok" | "down" | "unauthorized" | "timeout";

/** Every `[<unix_time>, "<value>"]` pair moved by `offset` seconds. */
function shift(value: unknown, offset: number): unknown {
  if (Array.isArray(value)) {
    if (value.length === 2 && typeof value[0] === "number" && typeof value[1] === "string")
      return [value[0] + offset, value[1]];
    return value.map((v) => shift(v, offset));
  }
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shift(v, offset)]));
  return value;
}

function send(res: ServerResponse, status: number, body: string, type = "application/json") {
  res.writeHead(status, { "Content-Type": type }).end(body);
}

export async function startPrometheusStandin(): Promise<{
  url: string;
  stop: () => Promise<void>;
}> {
  const modes = new Map<string, Mode>();
  const requests = new Map<string, StandinRequest[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const id = url.searchParams.get("id") ?? "";
    if (url.pathname === "/__mode") {
      modes.set(id, (url.searchParams.get("mode") ?? "ok") as Mode);
      return send(res, 204, "");
    }
    if (url.pathname === "/__requests")
      return send(res, 200, JSON.stringify(requests.get(id) ?? []));
    const m = /^\/s\/([^/]+)\/api\/v1\/(query|query_range)$/.exec(url.pathname);
    if (!m) return send(res, 404, "404 page not found\n", "text/plain");
    const [, tenant = "", endpoint = ""] = m;
    const query = url.searchParams.get("query") ?? "";
    const seen = requests.get(tenant) ?? [];
    const header = (name: string) => req.headers[name] as string | undefined;
    seen.push({
      endpoint,
      query,
      authorization: header("authorization"),
      orgId: header("x-scope-orgid"),
    });
    requests.set(tenant, seen.slice(-50));
    const mode = modes.get(tenant) ?? "ok";
    if (mode === "down") return send(res, 503, "<html>upstream down</html>", "text/html");
    if (mode === "unauthorized") return send(res, 401, "Unauthorized\n", "text/plain");
    if (mode === "timeout")
      return send(res, 503, readFileSync(path.join(FIXTURES, "error.json"), "utf8"));
    const [file, status] =
      endpoint === "query_range"
        ? query === "up"
          ? ["matrix-up-range.json", 200]
          : ["error.json", 400]
        : (ANSWERS[query] ?? ["error.json", 400]);
    const recorded: unknown = JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8"));
    const asked = Number(url.searchParams.get(endpoint === "query" ? "time" : "end"));
    const offset =
      Number.isFinite(asked) && asked > 0
        ? asked - (endpoint === "query" ? INSTANT_AT : RANGE_END)
        : 0;
    send(res, status, JSON.stringify(shift(recorded, offset)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
