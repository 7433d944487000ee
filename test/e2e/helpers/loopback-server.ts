import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { startDevServer } from "../../../scripts/lib/dev-server.mjs";
import { E2E_SECRETS_KEY } from "../global-setup";

export type LoopbackServer = { url: string; stop: () => Promise<void> };

/**
 * A `wrangler dev` of the test's own that allows loopback URLs (ALLOW_LOOPBACK_URLS), which the
 * shared e2e server refuses: for stand-ins, anvil or a second origin on this machine. Its state
 * lives in a temporary folder that `stop()` removes.
 */
export async function startLoopbackServer(
  name: string,
  operatorToken: string,
): Promise<LoopbackServer> {
  const persistTo = mkdtempSync(path.join(tmpdir(), `opsdeck-${name}-`));
  const server = (await startDevServer({
    persistTo,
    vars: {
      OPERATOR_TOKEN: operatorToken,
      SECRETS_KEY: E2E_SECRETS_KEY,
      ENVIRONMENT: "development",
      ALLOW_LOOPBACK_URLS: "true",
    },
  })) as LoopbackServer;
  return {
    url: server.url,
    stop: async () => {
      try {
        await server.stop();
      } finally {
        rmSync(persistTo, { recursive: true, force: true });
      }
    },
  };
}
