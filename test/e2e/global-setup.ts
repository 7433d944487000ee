import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
// @ts-expect-error -- plain ESM helper shared with npm start and the benchmarks; typed by its JSDoc.
import { startDevServer } from "../../scripts/lib/dev-server.mjs";

export const E2E_OPERATOR_TOKEN = "e2e-operator-token";
export const E2E_SECRETS_KEY = "ZTJlLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc=";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    operatorToken: string;
    persistDir: string;
  }
}

/** One local runtime (`wrangler dev`) for the whole e2e project, on a free loopback port. */
export default async function setup(project: TestProject) {
  const persistDir = mkdtempSync(path.join(tmpdir(), "opsdeck-e2e-"));
  const server = await startDevServer({
    persistTo: persistDir,
    vars: {
      OPERATOR_TOKEN: E2E_OPERATOR_TOKEN,
      SECRETS_KEY: E2E_SECRETS_KEY,
      ENVIRONMENT: "development",
    },
  });
  project.provide("baseUrl", server.url);
  project.provide("operatorToken", E2E_OPERATOR_TOKEN);
  project.provide("persistDir", persistDir);
  return async () => {
    await server.stop();
    rmSync(persistDir, { recursive: true, force: true });
  };
}
