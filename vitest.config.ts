import { readFile } from "node:fs/promises";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type Plugin } from "vitest/config";

/** Fixed test secrets: the operator credential and a 32-byte key (base64) for sealing secrets. */
export const TEST_OPERATOR_TOKEN = "test-operator-token";
export const TEST_SECRETS_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

// wrangler checks wrangler.toml's `[secrets] required` against .dev.vars, .env and process.env
// (in that order) while the plugin reads the config, before the miniflare bindings below are
// merged over it, and warns once per test file when they are missing. Give it the same test
// values through the environment; the bindings below still win inside the Worker.
process.env.OPERATOR_TOKEN ??= TEST_OPERATOR_TOKEN;
process.env.SECRETS_KEY ??= TEST_SECRETS_KEY;
// Then it logs "Using secrets defined in process.env" per file: information, not a problem.
// Its warnings and errors still print.
process.env.WRANGLER_LOG ??= "warn";

/**
 * standardwebhooks (an oracle in the notification tests) ships `dist/*.js.map` pointing at
 * `../src`, which it does not publish, and Vite warns about it. Load its files without the map:
 * there is no source to map to, and stack traces then name `dist/`, which exists. oauth4webapi
 * (the SSO flow) ships `build/index.js.map` the same way.
 */
const standardwebhooksWithoutSourcemap: Plugin = {
  name: "opsdeck:standardwebhooks-without-sourcemap",
  enforce: "pre",
  async load(id) {
    const file = id.split("?")[0] ?? id;
    if (
      !/[\\/]node_modules[\\/](standardwebhooks[\\/]dist|oauth4webapi[\\/]build)[\\/][^\\/]+\.js$/.test(
        file,
      )
    )
      return null;
    const code = await readFile(file, "utf8");
    return { code: code.replace(/^\/\/# sourceMappingURL=.*$/m, ""), map: null };
  },
};

export default defineConfig({
  test: {
    // CI reads the totals from this report (.ci/run prints "N passed, N failed").
    reporters: process.env.OPSDECK_TEST_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.OPSDECK_TEST_REPORT
      ? { json: process.env.OPSDECK_TEST_REPORT }
      : undefined,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
                SECRETS_KEY: TEST_SECRETS_KEY,
                ENVIRONMENT: "test",
                ALLOW_LOOPBACK_URLS: "true",
                // Small socket caps, so the cap tests need a handful of sockets, not 2,000
                // (test/integration/socket-limits.integration.test.ts reads them back).
                SOCKET_CAP_PER_PRINCIPAL: "8",
                SOCKET_CAP_PER_WORKSPACE: "16",
              },
            },
          }),
          standardwebhooksWithoutSourcemap,
        ],
        test: {
          name: "workers",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/global-setup-workers.ts"],
          // Fails a test whose writes or frames exceed the size budgets (schema/budgets.ts).
          setupFiles: ["test/setup-budget-guard.ts"],
          // A workerd isolate's first request can take seconds on a loaded 2-core machine.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Node-only checks that need no running app: official AWS SDK clients as oracles.
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
