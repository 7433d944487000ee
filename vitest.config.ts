import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Fixed test secrets: the operator credential and a 32-byte key (base64) for sealing secrets. */
export const TEST_OPERATOR_TOKEN = "test-operator-token";
export const TEST_SECRETS_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

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
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/global-setup-workers.ts"],
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
