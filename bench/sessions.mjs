// What verifying a caller costs (issue 16): GET api/me, p50/p95 over --rounds requests under
// `wrangler dev`, for a member's session cookie, a token's session cookie and a bearer token,
// interleaved so load on the machine hits all three alike. Each request hashes the credential
// and does primary-key lookups in the workspace object (no JWKS, no network); a member's also
// reads the member row. Wall time through the dev proxy, so the differences are what matter.
// Run: `node bench/sessions.mjs [--rounds 400]`; JSON goes to bench/results/sessions-<date>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDevServer } from "../scripts/lib/dev-server.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_TOKEN = "bench-sessions-operator-token";
const SECRETS_KEY = "YmVuY2gtcmVuZGVyLTAxMjM0NTY3ODlhYmNkZWYwMTI=";
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

async function json(res, what) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const cookieOf = (res) => (res.headers.get("set-cookie") ?? "").split(";")[0];

export async function run(rounds = 400) {
  const persistTo = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-sessions-"));
  const server = await startDevServer({
    persistTo,
    vars: { OPERATOR_TOKEN, SECRETS_KEY, ENVIRONMENT: "development" },
  });
  try {
    const base = server.url;
    const ws = `sessions-${Date.now().toString(36)}`;
    const created = await json(
      await fetch(`${base}/api/workspaces`, {
        method: "POST",
        headers: { Authorization: `Bearer ${OPERATOR_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ id: ws, name: "Sessions", admin: { email: "bench@example.com" } }),
      }),
      "create workspace",
    );
    const api = `${base}/w/${ws}/api`;
    const accepted = await fetch(`${api}/invitations/accept`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: base },
      body: JSON.stringify({ token: created.adminInvitation.token, name: "Bench" }),
    });
    await json(accepted.clone(), "accept");
    const login = await fetch(`${api}/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: created.adminToken.token }),
    });
    await json(login.clone(), "token sign-in");
    const callers = {
      member_session: { Cookie: cookieOf(accepted) },
      token_session: { Cookie: cookieOf(login) },
      bearer_token: { Authorization: `Bearer ${created.adminToken.token}` },
    };
    const times = Object.fromEntries(Object.keys(callers).map((k) => [k, []]));
    for (let i = 0; i < rounds + 20; i++)
      for (const [name, headers] of Object.entries(callers)) {
        const start = nowMs();
        await json(await fetch(`${api}/me`, { headers }), name);
        if (i >= 20) times[name].push(nowMs() - start); // the first 20 warm up
      }
    const result = Object.fromEntries(
      Object.entries(times).map(([name, t]) => [
        name,
        { p50: +percentile(t, 50).toFixed(2), p95: +percentile(t, 95).toFixed(2) },
      ]),
    );
    console.log(`GET api/me, ${rounds} rounds (ms, wall time through wrangler dev):`);
    for (const [name, r] of Object.entries(result))
      console.log(`  ${name.padEnd(15)} p50 ${r.p50} ms  p95 ${r.p95} ms`);
    const dir = path.join(HERE, "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `sessions-${new Date().toISOString().replaceAll(":", "-")}.json`);
    writeFileSync(file, JSON.stringify({ rounds, result }, null, 2));
    return result;
  } finally {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "400" } } });
  await run(Number(values.rounds));
}
