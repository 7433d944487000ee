// Bundles the browser client (web/client) into web/public/assets, where the assets binding
// serves it. Runs before `npm start`, `npm test`, `npm run deploy` and the benchmarks.
// The host agent goes there too, as one file, so any host can fetch it from a deployed
// Opsdeck (/assets/host-agent.mjs) and run it with plain Node (README, "Host agent").
import { build } from "esbuild";
import path from "node:path";
import { ROOT } from "./lib/dev-server.mjs";

await build({
  entryPoints: [path.join(ROOT, "web/client/live.ts")],
  outfile: path.join(ROOT, "web/public/assets/live.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});

// The members and profile pages: invitations, the live members list, adding a passkey.
await build({
  entryPoints: [path.join(ROOT, "web/client/people.ts")],
  outfile: path.join(ROOT, "web/public/assets/people.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});

// The passkey ceremonies, only on the join and sign-in pages.
await build({
  entryPoints: [path.join(ROOT, "web/client/passkey.ts")],
  outfile: path.join(ROOT, "web/public/assets/passkey.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});

await build({
  entryPoints: [path.join(ROOT, "scripts/host-agent.mjs")],
  outfile: path.join(ROOT, "web/public/assets/host-agent.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  banner: {
    js: "// Opsdeck host agent, bundled from scripts/host-agent.mjs. Usage: node host-agent.mjs --help",
  },
  logLevel: "warning",
});
