// `npm run bench`: every benchmark, one after another, each printing its own table and writing
// its JSON to bench/results/. `--only fanout,ingest,collect,render,abuse,anomaly,sessions,sso,passkeys` picks some; with exactly one
// picked, the other arguments are passed to it (each bench has its own options: bench/README.md).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const SUITES = {
  fanout: "run.mjs", // WebSocket publish-to-last-socket vs Node ws and a bare object (issue 2)
  ingest: "ingest.mjs", // webhook ingest rate and fan-out of its changes (issue 3)
  collect: "collect.mjs", // one collection cycle and cron fan-out over 10-1,000 workspaces (issue 4)
  render: "render.mjs", // server render time and page weight (issue 5)
  abuse: "abuse.mjs", // a second client's latency while hostile callers flood (issue 14)
  anomaly: "anomaly.mjs", // points/s scored with 1,000 live series, push latency on vs off (issue 15)
  sessions: "sessions.mjs", // verifying a member session vs a token session vs a bearer token (issue 16)
  sso: "sso.mjs", // µs per ID token / Access assertion verification with cached keys (issue 16)
  passkeys: "passkeys.mjs", // passkey sign-in (options + signed assertion) under wrangler dev (issue 16)
};

const args = process.argv.slice(2);
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? (args.splice(onlyIndex, 2)[1] ?? "").split(",") : Object.keys(SUITES);
let failed = 0;
for (const [name, file] of Object.entries(SUITES)) {
  if (!only.includes(name)) continue;
  const script = path.join(here, file);
  if (!existsSync(script)) {
    console.log(`\n== ${name}: ${file} not present, skipped`);
    continue;
  }
  console.log(`\n== ${name} (${file})`);
  const passThrough = only.length === 1 ? args : [];
  const res = spawnSync(process.execPath, [script, ...passThrough], { stdio: "inherit" });
  if (res.status !== 0) {
    failed++;
    console.error(`== ${name} exited with ${res.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
