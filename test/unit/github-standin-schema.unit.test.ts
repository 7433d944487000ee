import { describe, expect, it } from "vitest";
import { GithubStandin } from "../helpers/github-standin";

/**
 * The stand-in is only as good as its check against GitHub's published description: these show
 * the check refusing wrong shapes (a 599 and a line in `invalid`), and letting right ones through.
 */
describe("GitHub stand-in: every answer checked against @octokit/openapi", () => {
  const api = (gh: GithubStandin, path: string, init: RequestInit = {}) =>
    fetch(`${gh.url}/repos/${gh.owner}/app${path}`, {
      ...init,
      headers: { Authorization: `token ${gh.token}`, ...init.headers },
    });
  /** An owner whose refusals these tests provoke and assert, so the stand-in does not log them. */
  const refusing = async () => {
    const gh = await GithubStandin.create([{ name: "app" }]);
    await gh.control({ op: "expect-refusals" });
    return gh;
  };

  it("refuses to serve a list whose shape GitHub does not document", async () => {
    const gh = await refusing();
    await gh.fault({
      kind: "raw",
      path: "/actions/runs",
      status: 200,
      body: { workflow_runs: "none" },
    });
    const res = await api(gh, "/actions/runs");
    expect(res.status).toBe(599);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /does not match GitHub's schema.*total_count/,
    );
    expect((await gh.state()).invalid).toHaveLength(1);
  });

  it("refuses a run missing required fields, and an error body of the wrong type", async () => {
    const gh = await refusing();
    await gh.fault({
      kind: "raw",
      path: "/actions/runs",
      status: 200,
      body: { total_count: 1, workflow_runs: [{ id: 1, status: "completed" }] },
    });
    expect((await api(gh, "/actions/runs")).status).toBe(599);
    await gh.fault({ kind: "raw", path: "/deployments", status: 500, body: { message: 42 } });
    expect((await api(gh, "/deployments")).status).toBe(599);
    expect((await gh.state()).invalid).toHaveLength(2);
  });

  it("refuses a request body GitHub would not accept", async () => {
    const gh = await refusing();
    const res = await api(gh, "/deployments", { method: "POST", body: JSON.stringify({ ref: 5 }) });
    expect(res.status).toBe(599);
    expect(((await res.json()) as { message: string }).message).toMatch(/request does not match/);
    expect((await gh.state()).invalid).toEqual([
      expect.stringMatching(/^POST .*\/deployments: request does not match.*\/ref must be string/),
    ]);
  });

  it("serves valid answers, rate-limit and error responses included, with GitHub's headers", async () => {
    const gh = await GithubStandin.create([{ name: "app" }]);
    await gh.fault({
      kind: "raw",
      path: "/actions/runs",
      status: 200,
      body: { total_count: 0, workflow_runs: [] },
    });
    const empty = await api(gh, "/actions/runs");
    expect(empty.status).toBe(200);
    expect(empty.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(empty.headers.get("x-ratelimit-resource")).toBe("core");

    const denied = await fetch(`${gh.url}/repos/${gh.owner}/app/deployments`, {
      headers: { Authorization: "token wrong" },
    });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ message: "Bad credentials" });

    await gh.control({ op: "rate", remaining: 0, resetInSeconds: 60 });
    const limited = await api(gh, "/deployments");
    expect(limited.status).toBe(403);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(((await limited.json()) as { message: string }).message).toMatch(/rate limit exceeded/);
    expect((await gh.state()).invalid).toEqual([]);
  });
});
