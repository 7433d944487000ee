import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GithubIntegrationView, Settings } from "../../schema";
import { GithubStandin, connectGithub } from "../helpers/github-standin";
import { bearer, call, expectProblem, jsonInit, makeWorkspace } from "../helpers/workspace";

const path = (id: string) => `/w/${id}/api/integrations/github`;

async function view(id: string, token: string): Promise<GithubIntegrationView> {
  const res = await call(path(id), bearer(token));
  expect(res.status).toBe(200);
  return ((await res.json()) as { integration: GithubIntegrationView }).integration;
}

describe("GitHub integration settings", () => {
  it("stores the token sealed, never returns it, and keeps it when a PUT omits it", async () => {
    const ws = await makeWorkspace("ghi");
    const gh = await GithubStandin.create([{ name: "app" }]);
    expect(await view(ws.id, ws.admin)).toMatchObject({
      enabled: false,
      tokenSet: false,
      repositories: [],
      apiUrl: "https://api.github.com",
      collecting: false,
    });
    const saved = await connectGithub(ws, gh, ["app"]);
    expect(saved.status).toBe(200);
    const text = await saved.text();
    expect(text).not.toContain(gh.token);
    expect(JSON.parse(text)).toMatchObject({
      success: true,
      integration: {
        enabled: true,
        tokenSet: true,
        owner: gh.owner,
        repositories: ["app"],
        apiUrl: gh.url,
        collecting: true,
      },
    });
    const stored = await runInDurableObject(ws.stub, (_i, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT value FROM meta").toArray()),
    );
    expect(stored).not.toContain(gh.token);

    // Without a token: the stored one stays; repositories change.
    const again = await call(
      path(ws.id),
      jsonInit("PUT", { owner: gh.owner, repositories: ["app", "web"], apiUrl: gh.url }, ws.admin),
    );
    expect(
      ((await again.json()) as { integration: GithubIntegrationView }).integration,
    ).toMatchObject({ tokenSet: true, repositories: ["app", "web"] });
    // The settings view says the same, still without the token.
    const settings = (await (await call(`/w/${ws.id}/api/settings`, bearer(ws.viewer))).json()) as {
      settings: Settings;
    };
    expect(settings.settings.integrations.github).toMatchObject({
      enabled: true,
      tokenSet: true,
      owner: gh.owner,
    });
    // null clears it; collection stops.
    const cleared = await call(
      path(ws.id),
      jsonInit("PUT", { token: null, owner: gh.owner, repositories: ["app"] }, ws.admin),
    );
    expect(
      ((await cleared.json()) as { integration: GithubIntegrationView }).integration,
    ).toMatchObject({ tokenSet: false, collecting: false });
  });

  it("refuses API URLs the outbound policy forbids", async () => {
    const ws = await makeWorkspace("ghi");
    const put = (apiUrl: string) =>
      call(
        path(ws.id),
        jsonInit("PUT", { token: "ghp_x", owner: "acme", repositories: ["app"], apiUrl }, ws.admin),
      );
    for (const bad of [
      "http://github.example.com",
      "https://10.0.0.5/api/v3",
      "https://169.254.169.254",
      "https://ghe.internal/api/v3",
      "file:///etc/passwd",
      "https://user:pw@ghe.example.com/api/v3",
      "https://ghe.example.com:22/api/v3",
    ]) {
      const problem = await expectProblem(await put(bad), 400, "url_not_allowed");
      expect(JSON.stringify(problem)).toContain("json.apiUrl");
    }
    await expectProblem(await put("https://ghe.example.com/api/v3/"), 400, "validation_failed");
    // The same check guards the settings route.
    await expectProblem(
      await call(
        `/w/${ws.id}/api/settings`,
        jsonInit(
          "PUT",
          { integrations: { github: { enabled: true, apiUrl: "https://10.1.2.3" } } },
          ws.admin,
        ),
      ),
      400,
      "url_not_allowed",
    );
    expect((await view(ws.id, ws.admin)).tokenSet).toBe(false);
    // GitHub Enterprise Server on a public name is fine (saved disabled: nothing to collect).
    const ghe = await call(
      path(ws.id),
      jsonInit(
        "PUT",
        {
          enabled: false,
          owner: "acme",
          repositories: ["app"],
          apiUrl: "https://ghe.example.com/api/v3",
        },
        ws.admin,
      ),
    );
    expect(ghe.status).toBe(200);
  });

  it("validates owner and repository names", async () => {
    const ws = await makeWorkspace("ghi");
    const put = (body: Record<string, unknown>) =>
      call(
        path(ws.id),
        jsonInit(
          "PUT",
          { token: "ghp_x", owner: "acme", repositories: ["app"], ...body },
          ws.admin,
        ),
      );
    for (const body of [
      { owner: "-acme" },
      { owner: "a".repeat(40) },
      { owner: "acme/other" },
      { repositories: [] },
      { repositories: ["../etc"] },
      { repositories: [".."] },
      { repositories: ["app", "APP"] },
      { repositories: Array.from({ length: 21 }, (_, i) => `r${i}`) },
      { token: "" },
      { token: "a\u0000b" },
      { extra: true },
    ]) {
      await expectProblem(await put(body), 400, "validation_failed");
    }
  });

  it("is for admins of this workspace only", async () => {
    const ws = await makeWorkspace("ghi");
    const other = await makeWorkspace("ghi");
    const body = { token: "ghp_x", owner: "acme", repositories: ["app"] };
    for (const token of [ws.operator, ws.viewer]) {
      await expectProblem(await call(path(ws.id), bearer(token)), 403, "forbidden");
      await expectProblem(await call(path(ws.id), jsonInit("PUT", body, token)), 403, "forbidden");
    }
    await expectProblem(await call(path(ws.id)), 401, "unauthenticated");
    await expectProblem(
      await call(path(other.id), jsonInit("PUT", body, ws.admin)),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/w/${ws.id}/api/integrations/github/actions`, bearer(ws.viewer)),
      403,
      "forbidden",
    );
  });
});
