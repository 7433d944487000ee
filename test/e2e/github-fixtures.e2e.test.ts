import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OUT_DIR, buildFixtures, serialize } from "../../scripts/fixtures/github.mjs";

/**
 * The GitHub fixtures used inside workerd are exact copies of the published examples
 * (@octokit/webhooks-examples), each checked against GitHub's webhook schema
 * (@octokit/openapi-webhooks) with ajv. Runs in Node because it reads node_modules.
 */
describe("GitHub webhook fixtures", () => {
  const fresh = buildFixtures();

  it("validate against @octokit/openapi-webhooks (only older-example deviations)", () => {
    for (const [event, doc] of Object.entries(fresh)) {
      for (const example of doc.examples) {
        for (const deviation of example.schemaDeviations) {
          expect(deviation, `${event} ${example.origin}`).toMatch(
            /must have required property|must match format/,
          );
        }
      }
    }
    const clean = Object.values(fresh).flatMap((d) =>
      d.examples.filter((e) => e.schemaDeviations.length === 0),
    );
    expect(clean.length).toBeGreaterThan(40);
  });

  it("are byte-identical to a fresh copy from the installed packages", () => {
    for (const [event, doc] of Object.entries(fresh)) {
      const onDisk = readFileSync(path.join(OUT_DIR, `${event}.json`), "utf8");
      expect(
        onDisk,
        `test/fixtures/github/${event}.json is stale: run node scripts/fixtures/github.mjs`,
      ).toBe(serialize(doc));
    }
  });
});
