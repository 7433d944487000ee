import { expect, inject } from "vitest";
import type { SourceStatus } from "../../schema";
import type {
  ControlOp,
  Fault,
  RecordedCall,
  SeedRepo,
  StandinState,
} from "../peers/github-standin-types";
import {
  bearer,
  call,
  expectProblem,
  jsonInit,
  makeWorkspace,
  type TestWorkspace,
} from "./workspace";

/**
 * One test's view of the GitHub stand-in: its own owner (so parallel tests never meet), a
 * token, and the control calls. The stand-in runs in Node; tests in workerd reach it over
 * loopback, like the anvil peer.
 */
export class GithubStandin {
  readonly url = inject("githubApiUrl");

  private constructor(
    readonly owner: string,
    readonly token: string,
  ) {}

  /** A fresh owner seeded with `repos`. */
  static async create(repos: SeedRepo[]): Promise<GithubStandin> {
    const gh = new GithubStandin(
      `acme-${crypto.randomUUID().slice(0, 8)}`,
      `ghp_${crypto.randomUUID().replaceAll("-", "")}`,
    );
    await gh.control({ op: "seed", token: gh.token, repos });
    return gh;
  }

  async control(op: ControlOp): Promise<StandinState> {
    const res = await fetch(`${this.url}/__control/${this.owner}`, {
      method: "POST",
      body: JSON.stringify(op),
    });
    if (!res.ok) throw new Error(`stand-in control ${op.op}: ${res.status}`);
    return (await res.json()) as StandinState;
  }

  fault(fault: Fault): Promise<StandinState> {
    return this.control({ op: "fault", fault });
  }

  async state(): Promise<StandinState> {
    return (await (await fetch(`${this.url}/__control/${this.owner}`)).json()) as StandinState;
  }

  /** API calls so far (downloads included), optionally only those after `since`. */
  async calls(since = 0): Promise<RecordedCall[]> {
    return (await this.state()).calls.slice(since);
  }

  /** A REST object straight from the stand-in, as GitHub would serve it. */
  async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}/repos/${this.owner}/${path}`, {
      headers: { Authorization: `token ${this.token}` },
    });
    return res.json();
  }
}

/** `PUT api/integrations/github` against the stand-in (admin). */
export async function connectGithub(
  ws: TestWorkspace,
  gh: GithubStandin,
  repositories: string[],
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return call(
    `/w/${ws.id}/api/integrations/github`,
    jsonInit(
      "PUT",
      { token: gh.token, owner: gh.owner, repositories, apiUrl: gh.url, ...extra },
      ws.admin,
    ),
  );
}

/** A new workspace connected to a stand-in seeded with `repo`, once its GitHub source is live. */
export async function liveGithubWorkspace(
  prefix: string,
  repo: SeedRepo,
): Promise<{ ws: TestWorkspace; gh: GithubStandin }> {
  const ws = await makeWorkspace(prefix);
  const gh = await GithubStandin.create([repo]);
  expect((await connectGithub(ws, gh, [repo.name])).status).toBe(200);
  for (let i = 0; i < 100; i++) {
    const res = await call(`/w/${ws.id}/api/status`, bearer(ws.viewer));
    const { sources } = (await res.json()) as { sources: SourceStatus[] };
    if (sources.find((s) => s.id === "github")?.status === "live") return { ws, gh };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("GitHub source never became live");
}

/** POST an action (as an operator unless `token` says otherwise); JSON only when there is a body. */
export const postAction = (ws: TestWorkspace, path: string, body?: unknown, token = ws.operator) =>
  call(
    `/w/${ws.id}/api/${path}`,
    body === undefined ? bearer(token, { method: "POST" }) : jsonInit("POST", body, token),
  );

/** Each action path refuses a viewer (403), no credential (401) and another workspace (404). */
export async function expectOperatorOnly(
  ws: TestWorkspace,
  other: TestWorkspace,
  paths: string[],
): Promise<void> {
  for (const path of paths) {
    await expectProblem(await postAction(ws, path, undefined, ws.viewer), 403, "forbidden");
    await expectProblem(
      await call(`/w/${ws.id}/api/${path}`, { method: "POST" }),
      401,
      "unauthenticated",
    );
    await expectProblem(await postAction(other, path, undefined, ws.operator), 404, "not_found");
    // The other workspace's own token: it has no such record.
    await expectProblem(await postAction(other, path), 404, "not_found");
  }
}

/** Seconds before now as GitHub writes timestamps (no milliseconds). */
export const ago = (seconds: number) =>
  new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
