// Passkey sign-in under `wrangler dev` (issue 16): p50/p95 over --rounds sign-ins of the two
// calls a browser makes (options, then the signed assertion, which verifies the ES256
// signature, checks the counter and opens a session), with a software authenticator standing
// in for the browser's (bench/lib/soft-authenticator.mjs). Wall time through the dev proxy.
// Run: `node bench/passkeys.mjs [--rounds 200]`; JSON goes to bench/results/passkeys-<date>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDevServer } from "../scripts/lib/dev-server.mjs";
import { SoftAuthenticator } from "./lib/soft-authenticator.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_TOKEN = "bench-passkeys-operator-token";
const SECRETS_KEY = "YmVuY2gtcmVuZGVyLTAxMjM0NTY3ODlhYmNkZWYwMTI=";
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

async function post(url, body, origin, what) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: origin },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function run(rounds = 200) {
  const persistTo = mkdtempSync(path.join(tmpdir(), "opsdeck-bench-passkeys-"));
  const server = await startDevServer({
    persistTo,
    vars: { OPERATOR_TOKEN, SECRETS_KEY, ENVIRONMENT: "development" },
  });
  try {
    const base = server.url;
    const ws = `passkeys-${Date.now().toString(36)}`;
    const res = await fetch(`${base}/api/workspaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${OPERATOR_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ id: ws, name: "Passkeys", admin: { email: "bench@example.com" } }),
    });
    if (res.status !== 201) throw new Error(`create workspace: ${res.status}`);
    const created = await res.json();
    const api = `${base}/w/${ws}/api`;
    const authenticator = new SoftAuthenticator(base);
    const join = await post(
      `${api}/invitations/accept/passkey-options`,
      { token: created.adminInvitation.token, name: "Bench" },
      base,
      "join options",
    );
    const registration = await authenticator.register(join.options);
    await post(
      `${api}/invitations/accept/passkey`,
      { challengeId: join.challengeId, response: registration },
      base,
      "join",
    );
    const times = { options: [], sign_in: [], both: [] };
    for (let i = 0; i < rounds + 10; i++) {
      const t0 = nowMs();
      const start = await post(`${api}/passkeys/sign-in/options`, {}, base, "options");
      const t1 = nowMs();
      const response = await authenticator.assert(start.options);
      const t2 = nowMs();
      await post(
        `${api}/passkeys/sign-in`,
        { challengeId: start.challengeId, response },
        base,
        "sign-in",
      );
      const t3 = nowMs();
      if (i < 10) continue; // warm-up
      times.options.push(t1 - t0);
      times.sign_in.push(t3 - t2);
      times.both.push(t1 - t0 + (t3 - t2));
    }
    const result = Object.fromEntries(
      Object.entries(times).map(([name, t]) => [
        name,
        { p50: +percentile(t, 50).toFixed(2), p95: +percentile(t, 95).toFixed(2) },
      ]),
    );
    console.log(`Passkey sign-in, ${rounds} rounds (ms, wall time through wrangler dev):`);
    for (const [name, r] of Object.entries(result))
      console.log(`  ${name.padEnd(8)} p50 ${r.p50} ms  p95 ${r.p95} ms`);
    const dir = path.join(HERE, "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `passkeys-${new Date().toISOString().replaceAll(":", "-")}.json`);
    writeFileSync(file, JSON.stringify({ rounds, result }, null, 2));
    return result;
  } finally {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "200" } } });
  await run(Number(values.rounds));
}
