import {
  GITHUB_API_URL,
  fail,
  ok,
  type Failure,
  type GithubIntegrationView,
  type Outcome,
  type StoredSettings,
} from "../../schema";
import {
  GithubError,
  type GithubConnection,
  type GithubLimits,
} from "../../providers/github/client";
import type { SecretBox } from "../store/secret-box";
import { githubActionsReady, githubCollectable, githubTokenSet } from "./configured";

/**
 * Collection: 10 s per request, at most 4 at once (Workers allow 6 open connections and the
 * other collectors share the alarm), 40 requests per run (the free plan allows 50 subrequests
 * per invocation), and 50 of the hourly rate limit left for people's actions.
 */
export const COLLECT_LIMITS: GithubLimits = {
  timeoutMs: 10_000,
  maxBytes: 8 * 1024 * 1024,
  concurrency: 4,
  maxRequests: 40,
  reserve: 50,
};

/** Actions: a handful of requests, allowed to use the reserve collection leaves. */
export const ACTION_LIMITS: GithubLimits = {
  timeoutMs: 10_000,
  maxBytes: 1024 * 1024,
  concurrency: 2,
  maxRequests: 4,
  reserve: 0,
};

type GithubSettings = StoredSettings["integrations"]["github"];

export function viewGithub(github: GithubSettings): GithubIntegrationView {
  return {
    enabled: github.enabled,
    tokenSet: githubTokenSet(github),
    ...(github.owner !== undefined ? { owner: github.owner } : {}),
    repositories: github.repositories ?? [],
    apiUrl: github.apiUrl ?? GITHUB_API_URL,
    collecting: githubCollectable(github),
  };
}

const NOT_CONFIGURED =
  "GitHub is not configured for this workspace: an admin sets a token with PUT api/integrations/github.";

/** The connection to use, or why there is none. The token is opened only here, per use. */
export async function openGithub(
  github: GithubSettings,
  box: SecretBox | undefined,
): Promise<Outcome<GithubConnection>> {
  if (!githubActionsReady(github) || github.token === undefined)
    return fail(409, "github_not_configured", NOT_CONFIGURED);
  if (!box) return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
  try {
    return ok({ token: await box.open(github.token), apiUrl: github.apiUrl ?? GITHUB_API_URL });
  } catch {
    return fail(
      409,
      "github_not_configured",
      "The stored GitHub token cannot be decrypted (its key was rotated out): an admin sets it again with PUT api/integrations/github.",
    );
  }
}

const upstream = (status: number, detail: string, retryAfterSeconds?: number): Failure =>
  fail(
    status,
    "upstream_error",
    detail,
    retryAfterSeconds !== undefined ? { retryAfterSeconds } : {},
  );

/**
 * A failed provider call as the person who clicked should see it. GitHub refusing the action
 * itself (403 other than a rate limit, 404, 409, 422) is a 409 with GitHub's words: the state
 * there does not allow it. GitHub failing (token revoked, rate limit, 5xx, timeout) is a
 * 502/503 `upstream_error` naming GitHub's status: nothing changed, and retrying may work.
 */
export function providerFailure(error: unknown, now = Date.now()): Failure {
  if (!(error instanceof GithubError))
    return upstream(
      502,
      `GitHub call failed: ${error instanceof Error ? error.message : String(error)}. Nothing changed; retry.`,
    );
  const said = error.githubMessage ?? error.message;
  const status = error.status;
  switch (error.category) {
    case "forbidden":
    case "not_found":
    case "rejected":
      return fail(409, "provider_conflict", `GitHub refused (HTTP ${status}): ${said}`);
    case "unauthorized":
      return upstream(
        502,
        `GitHub rejected the token (HTTP 401: ${said}). An admin replaces it with PUT api/integrations/github; then retry.`,
      );
    case "rate_limited": {
      const wait = Math.max(1, Math.ceil(((error.retryAt ?? now + 60_000) - now) / 1000));
      return upstream(
        503,
        `GitHub's rate limit is spent (HTTP ${status ?? 403}: ${said}). Nothing changed; retry in ${wait} s.`,
        wait,
      );
    }
    case "timeout":
    case "unreachable":
      return upstream(503, `GitHub did not answer (${error.message}). Nothing changed; retry.`, 30);
    default:
      return upstream(
        502,
        `GitHub failed${status ? ` (HTTP ${status})` : ""}: ${error.message}. Nothing changed; retry.`,
      );
  }
}
