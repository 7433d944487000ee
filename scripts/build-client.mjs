// Bundles the browser client (web/client) into web/public/assets, where the assets binding
// serves it. Runs before `npm start`, `npm test`, `npm run deploy` and the benchmarks.
// The host agent goes there too, as one file, so any host can fetch it from a deployed
// Opsdeck (/assets/host-agent.mjs) and run it with plain Node (README, "Host agent").
import { build } from "esbuild";
import path from "node:path";
import { ROOT } from "./lib/dev-server.mjs";

/** One browser bundle: web/client/<name>.ts → /assets/<name>.js. */
const browserBundle = (name) =>
  build({
    entryPoints: [path.join(ROOT, `web/client/${name}.ts`)],
    outfile: path.join(ROOT, `web/public/assets/${name}.js`),
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: false,
    logLevel: "warning",
  });

// The live dashboard; the members and profile pages (invitations, the live members list,
// adding a passkey); the passkey ceremonies, only on the join and sign-in pages.
await Promise.all(["live", "people", "passkey"].map(browserBundle));

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
