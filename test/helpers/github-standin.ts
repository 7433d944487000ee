import { inject } from "vitest";
import type {
  ControlOp,
  Fault,
  RecordedCall,
  SeedRepo,
  StandinState,
} from "../peers/github-standin-types";
import { call, jsonInit, type TestWorkspace } from "./workspace";

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

/** Seconds before now as GitHub writes timestamps (no milliseconds). */
export const ago = (seconds: number) =>
  new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
