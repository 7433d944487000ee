import { z } from "zod";
import { Text } from "./common";

/** GitHub's public API; GitHub Enterprise Server answers under `https://<host>/api/v3`. */
export const GITHUB_API_URL = "https://api.github.com";

/** Repositories collected per workspace: each costs two or more requests per run. */
export const MAX_GITHUB_REPOSITORIES = 20;

/** A user or organisation login as GitHub allows it: letters, digits, single inner hyphens. */
export const GithubOwner = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    "a GitHub user or organisation name (letters, digits, inner hyphens; at most 39)",
  );

/** A repository name within its owner (no owner prefix). */
export const GithubRepoName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, "a repository name: letters, digits, '.', '_' or '-'")
  .refine((s) => s !== "." && s !== "..", "not a path segment");

/** The API base URL; checked against the outbound URL policy by the route that saves it. */
export const GithubApiUrl = Text(2000)
  .min(1)
  .refine((s) => !s.endsWith("/"), "no trailing slash, e.g. https://ghe.example.com/api/v3");

const Repositories = z
  .array(GithubRepoName)
  .min(1)
  .max(MAX_GITHUB_REPOSITORIES)
  .refine(
    (names) => new Set(names.map((n) => n.toLowerCase())).size === names.length,
    "each repository once",
  );

/**
 * `PUT api/integrations/github`. The token is write-only: omitted keeps the stored one, `null`
 * clears it. `apiUrl: null` returns to api.github.com.
 */
export const GithubIntegrationBody = z
  .object({
    enabled: z.boolean().default(true),
    token: Text(4096).min(1).nullable().optional(),
    owner: GithubOwner,
    repositories: Repositories,
    apiUrl: GithubApiUrl.nullable().optional(),
  })
  .strict();
export type GithubIntegrationBody = z.infer<typeof GithubIntegrationBody>;

/** The same fields inside `PUT api/settings` `integrations.github` (all optional there). */
export const GithubSettingsFields = {
  owner: GithubOwner.optional(),
  repositories: Repositories.optional(),
  apiUrl: GithubApiUrl.nullable().optional(),
};

/** What an admin reads back: never the token, only whether one is set. */
export const GithubIntegrationView = z.object({
  enabled: z.boolean(),
  tokenSet: z.boolean(),
  owner: z.string().optional(),
  repositories: z.array(z.string()),
  apiUrl: z.string(),
  /** Collected when enabled, a token is set and at least one repository is named. */
  collecting: z.boolean(),
});
export type GithubIntegrationView = z.infer<typeof GithubIntegrationView>;

/**
 * What the GitHub collector remembers between runs (stored in the object's `meta` table):
 * repository ids, which details were already read in full, where the repository rotation
 * continues, and the rate limit GitHub last reported.
 */
export const GithubCursor = z.object({
  offset: z.number().int().nonnegative().default(0),
  repos: z
    .record(
      z.string(),
      z.object({
        id: z.number().int(),
        fullName: z.string(),
        /** First successful collection; activity is recorded only for changes after it. */
        syncedAt: z.number().optional(),
        securityAt: z.number().optional(),
        /** Completed runs whose jobs were read, by run id → `updated_at|attempt`. */
        runs: z.record(z.string(), z.string()).default({}),
        /** Deployments whose final status was read, by id → `updated_at`. */
        deployments: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default({}),
  rateLimit: z.object({ remaining: z.number(), resetAt: z.number() }).optional(),
});
export type GithubCursor = z.infer<typeof GithubCursor>;
