// Bundles the browser client (web/client) into web/public/assets, where the assets binding
// serves it. Runs before `npm start`, `npm test`, `npm run deploy` and the benchmarks.
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
