import type { GithubSchemas } from "./github-schemas";
import type {
  Fault,
  RecordedCall,
  SeedCodeScanningAlert,
  SeedDependabotAlert,
  SeedDeployment,
  SeedJob,
  SeedRun,
  SeedStatus,
} from "./github-standin-types";

/** The GitHub stand-in's state, and the full GitHub objects it serves from it. */

export type Obj = Record<string, unknown>;
export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export type RunState = { seed: SeedRun; jobs: SeedJob[] };
export type DeploymentState = { seed: SeedDeployment; statuses: SeedStatus[] };
export type RepoState = {
  id: number;
  name: string;
  runs: RunState[];
  deployments: DeploymentState[];
  codeScanning?: SeedCodeScanningAlert[] | "disabled";
  dependabot?: SeedDependabotAlert[] | "disabled";
};
export type OwnerState = {
  login: string;
  token: string;
  repos: Map<string, RepoState>;
  faults: Fault[];
  calls: RecordedCall[];
  invalid: string[];
  /** Refusals are provoked on purpose and asserted through `invalid`: record, don't log. */
  expectRefusals: boolean;
  rate: { limit: number; remaining: number; reset: number };
  latencyMs: number;
  nextId: number;
};

export type Ctx = {
  owner: OwnerState;
  repo: RepoState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  base: string;
};

/** A time as GitHub writes it (no milliseconds). */
export const stamp = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Full GitHub objects: GitHub's published example for the schema, with the seeded facts. */
export function builders(schemas: GithubSchemas) {
  const example = (name: string) => schemas.example(name) as Obj;
  const api = (c: Ctx) => `${c.base}/repos/${c.owner.login}/${c.repo.name}`;
  const html = (c: Ctx) => `https://github.com/${c.owner.login}/${c.repo.name}`;
  const user = (login: string) => ({
    ...(example("deployment").creator as Obj),
    login,
    html_url: `https://github.com/${login}`,
  });
  const repoFacts = (c: Ctx) => ({
    id: c.repo.id,
    name: c.repo.name,
    full_name: `${c.owner.login}/${c.repo.name}`,
    html_url: html(c),
    url: api(c),
    owner: user(c.owner.login),
  });

  return {
    repository: (c: Ctx) => ({
      ...example("full-repository"),
      // GitHub's own example predates this required field.
      has_discussions: false,
      ...repoFacts(c),
    }),

    run: (c: Ctx, run: RunState): Obj => {
      const base = example("workflow-run");
      const s = run.seed;
      const sha = s.head_sha ?? "0".repeat(40);
      const created = s.created_at ?? stamp();
      return {
        ...base,
        id: s.id,
        name: s.name ?? "CI",
        display_title: s.name ?? "CI",
        head_branch: s.head_branch ?? "main",
        head_sha: sha,
        event: s.event ?? "push",
        status: s.status,
        conclusion: s.status === "completed" ? (s.conclusion ?? "success") : null,
        run_attempt: s.run_attempt ?? 1,
        created_at: created,
        updated_at: s.updated_at ?? created,
        run_started_at: created,
        actor: user(s.actor ?? "octocat"),
        triggering_actor: user(s.actor ?? "octocat"),
        url: `${api(c)}/actions/runs/${s.id}`,
        html_url: `${html(c)}/actions/runs/${s.id}`,
        jobs_url: `${api(c)}/actions/runs/${s.id}/jobs`,
        repository: { ...(base.repository as Obj), ...repoFacts(c) },
        head_repository: { ...(base.head_repository as Obj), ...repoFacts(c) },
        head_commit: { ...(base.head_commit as Obj), id: sha },
      };
    },

    job: (c: Ctx, run: RunState, job: SeedJob): Obj => {
      const started = job.started_at ?? run.seed.created_at ?? stamp();
      return {
        ...example("job"),
        id: job.id,
        run_id: run.seed.id,
        run_attempt: run.seed.run_attempt ?? 1,
        run_url: `${api(c)}/actions/runs/${run.seed.id}`,
        url: `${api(c)}/actions/jobs/${job.id}`,
        html_url: `${html(c)}/actions/runs/${run.seed.id}/job/${job.id}`,
        head_sha: run.seed.head_sha ?? "0".repeat(40),
        head_branch: run.seed.head_branch ?? "main",
        workflow_name: run.seed.name ?? "CI",
        name: job.name,
        status: job.status,
        conclusion: job.status === "completed" ? (job.conclusion ?? "success") : null,
        // GitHub's example lacks this required field.
        created_at: started,
        started_at: started,
        completed_at: job.status === "completed" ? (job.completed_at ?? started) : null,
        steps: (job.steps ?? []).map((step) => ({
          name: step.name,
          number: step.number,
          status: step.status,
          conclusion: step.conclusion ?? null,
          started_at: started,
          completed_at: step.status === "completed" ? started : null,
        })),
      };
    },

    deployment: (c: Ctx, d: DeploymentState): Obj => {
      const s = d.seed;
      const created = s.created_at ?? stamp();
      const latest = d.statuses.at(-1)?.created_at;
      return {
        ...example("deployment"),
        id: s.id,
        url: `${api(c)}/deployments/${s.id}`,
        sha: s.sha,
        ref: s.ref ?? "main",
        environment: s.environment,
        original_environment: s.environment,
        description: s.description ?? null,
        creator: user(s.creator ?? "octocat"),
        created_at: created,
        // GitHub moves a deployment's updated_at when a status is added.
        updated_at: latest && latest > created ? latest : created,
        statuses_url: `${api(c)}/deployments/${s.id}/statuses`,
        repository_url: api(c),
        production_environment: s.environment === "production",
      };
    },

    status: (c: Ctx, d: DeploymentState, s: SeedStatus): Obj => ({
      ...example("deployment-status"),
      id: s.id ?? 1,
      url: `${api(c)}/deployments/${d.seed.id}/statuses/${s.id ?? 1}`,
      state: s.state,
      description: s.description ?? "",
      environment: d.seed.environment,
      created_at: s.created_at ?? stamp(),
      updated_at: s.created_at ?? stamp(),
      deployment_url: `${api(c)}/deployments/${d.seed.id}`,
      repository_url: api(c),
      log_url: s.log_url ?? `${html(c)}/actions`,
      target_url: s.log_url ?? `${html(c)}/actions`,
      environment_url: `https://${d.seed.environment}.example.com`,
    }),

    codeScanning: (c: Ctx, a: SeedCodeScanningAlert): Obj => {
      const base = (schemas.example("code-scanning-alert-items") as Obj[])[0]!;
      const created = a.created_at ?? stamp();
      const updated = a.updated_at ?? created;
      return {
        ...base,
        number: a.number,
        created_at: created,
        updated_at: updated,
        url: `${api(c)}/code-scanning/alerts/${a.number}`,
        html_url: `${html(c)}/security/code-scanning/${a.number}`,
        instances_url: `${api(c)}/code-scanning/alerts/${a.number}/instances`,
        state: a.state,
        fixed_at: a.state === "fixed" ? updated : null,
        dismissed_at: a.state === "dismissed" ? updated : null,
        dismissed_by: a.state === "dismissed" ? user("octocat") : null,
        dismissed_reason: a.state === "dismissed" ? "false positive" : null,
        rule: {
          ...(base.rule as Obj),
          id: a.rule,
          name: a.rule,
          description: a.description ?? a.rule,
          severity: a.severity ?? "error",
          security_severity_level: a.securitySeverity ?? null,
        },
      };
    },

    dependabot: (c: Ctx, a: SeedDependabotAlert): Obj => {
      const base = (schemas.example("dependabot-alerts-for-repository") as Obj[])[0]!;
      const advisory = { ...(base.security_advisory as Obj) };
      // GitHub's example writes this number as a string.
      delete advisory.epss;
      const created = a.created_at ?? stamp();
      const updated = a.updated_at ?? created;
      const dependency = base.dependency as Obj;
      return {
        ...base,
        number: a.number,
        state: a.state,
        url: `${api(c)}/dependabot/alerts/${a.number}`,
        html_url: `${html(c)}/security/dependabot/${a.number}`,
        created_at: created,
        updated_at: updated,
        fixed_at: a.state === "fixed" ? updated : null,
        dismissed_at: a.state === "dismissed" ? updated : null,
        dismissed_by: a.state === "dismissed" ? user("octocat") : null,
        dismissed_reason: a.state === "dismissed" ? "tolerable_risk" : null,
        dismissed_comment: null,
        auto_dismissed_at: a.state === "auto_dismissed" ? updated : null,
        dependency: {
          ...dependency,
          package: { ...(dependency.package as Obj), name: a.package },
        },
        security_advisory: { ...advisory, summary: a.summary, severity: a.severity },
        security_vulnerability: { ...(base.security_vulnerability as Obj), severity: a.severity },
      };
    },
  };
}
