import { describe, expect, it } from "vitest";
import { forgetDirectoryCache } from "../../worker/lib/workspace-directory";
import { defaultCache } from "../../worker/lib/public-status-cache";
import { OPERATOR, bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * The Cache API tier in front of the Directory object (worker/lib/directory-edge-cache.ts):
 * an isolate with an empty memory asks its location's cache before the directory, unknown
 * slugs are cached there too (briefly), and creating a workspace overwrites a negative entry
 * so the new workspace is reachable at once.
 */

const key = (slug: string) => `https://directory.opsdeck.internal/${encodeURIComponent(slug)}`;

async function edgeEntry(slug: string): Promise<string | undefined> {
  const hit = await defaultCache().match(key(slug));
  return hit ? hit.text() : undefined;
}

describe("directory edge cache", () => {
  it("caches an unknown slug, and a workspace created then is reachable at once", async () => {
    const slug = `late-${crypto.randomUUID().slice(0, 8)}`;
    const probe = await call(`/w/${slug}/api/status`, bearer(`odk.${slug}.wrongwrongwrong`));
    expect(probe.status).toBe(401);
    expect(await edgeEntry(slug)).toBe("0");

    const created = await call(
      "/api/workspaces",
      jsonInit("POST", { id: slug, name: "Late" }, OPERATOR),
    );
    expect(created.status).toBe(201);
    expect(await edgeEntry(slug)).toBe("1");
    const { adminToken } = (await created.json()) as { adminToken: { token: string } };
    // Another isolate of this location starts with an empty memory: the edge answer serves it.
    forgetDirectoryCache();
    expect((await call(`/w/${slug}/api/status`, bearer(adminToken.token))).status).toBe(200);
  });

  it("an isolate with an empty memory takes the location's answer before the directory", async () => {
    const ws = await makeWorkspace("edge");
    forgetDirectoryCache();
    await defaultCache().put(
      key(ws.id),
      new Response("0", { headers: { "Cache-Control": "max-age=30" } }),
    );
    // The (here deliberately wrong) cached answer is used: no directory call was made.
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(401);
    await defaultCache().delete(key(ws.id));
    forgetDirectoryCache();
    expect((await call(`/w/${ws.id}/api/status`, bearer(ws.viewer))).status).toBe(200);
    expect(await edgeEntry(ws.id)).toBe("1");
  });
});
