import { env, exports } from "cloudflare:workers";
import type { IssuedToken, Role } from "../../schema";
import type { WorkspaceStub } from "../../worker/env";

export const OPERATOR = "test-operator-token";
export const BASE = "http://opsdeck.test";

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function bearer(token: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return { ...init, headers };
}

export function jsonInit(method: string, body: unknown, token?: string): RequestInit {
  const init: RequestInit = {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  return token ? bearer(token, init) : init;
}

export type TestWorkspace = {
  id: string;
  admin: string;
  operator: string;
  viewer: string;
  stub: WorkspaceStub;
};

/** A fresh workspace (unique id) with one token per role. */
export async function makeWorkspace(prefix = "ws"): Promise<TestWorkspace> {
  const id = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const res = await call("/api/workspaces", jsonInit("POST", { id, name: `Test ${id}` }, OPERATOR));
  if (res.status !== 201) throw new Error(`create workspace: ${res.status} ${await res.text()}`);
  const { adminToken } = (await res.json()) as { adminToken: IssuedToken };
  const mint = async (role: Role) => {
    const r = await call(
      `/w/${id}/api/tokens`,
      jsonInit("POST", { name: `${role}-bot`, role }, adminToken.token),
    );
    return ((await r.json()) as { token: IssuedToken }).token.token;
  };
  return {
    id,
    admin: adminToken.token,
    operator: await mint("operator"),
    viewer: await mint("viewer"),
    stub: env.WORKSPACE.getByName(id),
  };
}

export async function expectProblem(res: Response, status: number, code: string) {
  const body = (await res.json()) as {
    status: number;
    code: string;
    type: string;
    title: string;
    detail: string;
  };
  if (res.status !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  }
  if (!res.headers.get("Content-Type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("Content-Type")}`);
  }
  return body;
}
