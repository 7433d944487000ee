/**
 * The GitHub stand-in's control protocol, shared by the server (Node) and the tests (workerd).
 * Each test works under its own owner name, so tests running in parallel never see each
 * other's repositories, faults, rate limits or recorded calls.
 */

export type SeedStep = { name: string; number: number; status: string; conclusion?: string | null };

export type SeedJob = {
  id: number;
  name: string;
  status: "queued" | "in_progress" | "completed" | "waiting";
  conclusion?: string | null;
  started_at?: string;
  completed_at?: string | null;
  steps?: SeedStep[];
  /** The job's log text (served through the 302 download redirect). */
  log?: string;
};

export type SeedRun = {
  id: number;
  name?: string;
  status: "queued" | "in_progress" | "completed" | "waiting";
  conclusion?: string | null;
  head_sha?: string;
  head_branch?: string;
  run_attempt?: number;
  event?: string;
  actor?: string;
  created_at?: string;
  updated_at?: string;
  jobs?: SeedJob[];
};

export type SeedStatus = {
  id?: number;
  state: "error" | "failure" | "inactive" | "pending" | "success" | "queued" | "in_progress";
  description?: string;
  created_at?: string;
  log_url?: string;
};

export type SeedDeployment = {
  id: number;
  sha: string;
  ref?: string;
  environment: string;
  created_at?: string;
  creator?: string;
  description?: string;
  /** Oldest first, as they happened. */
  statuses?: SeedStatus[];
};

export type SeedCodeScanningAlert = {
  number: number;
  state: "open" | "fixed" | "dismissed";
  rule: string;
  description?: string;
  severity?: "none" | "note" | "warning" | "error";
  securitySeverity?: "low" | "medium" | "high" | "critical";
  created_at?: string;
  updated_at?: string;
};

export type SeedDependabotAlert = {
  number: number;
  state: "open" | "fixed" | "dismissed" | "auto_dismissed";
  package: string;
  severity: "low" | "medium" | "high" | "critical";
  summary: string;
  created_at?: string;
  updated_at?: string;
};

export type SeedRepo = {
  name: string;
  id?: number;
  runs?: SeedRun[];
  deployments?: SeedDeployment[];
  /** `disabled`: GitHub answers 403 (Advanced Security / Dependabot alerts off). */
  codeScanning?: SeedCodeScanningAlert[] | "disabled";
  dependabot?: SeedDependabotAlert[] | "disabled";
};

/**
 * A fault for matching requests (`path` is a substring of the URL path, `method` exact),
 * applied `times` times (default 1). `status` answers GitHub's error body with that status;
 * `ratelimit` a primary rate-limit 403 (remaining 0); `secondary` a secondary-limit 403 with
 * `retry-after`; `unauthorized` a 401; `timeout` never answers; `garbage` a truncated JSON body;
 * `raw` answers `body` with `status` as given (still schema-checked: a wrong shape gets 599).
 */
export type Fault = {
  kind: "status" | "ratelimit" | "secondary" | "unauthorized" | "timeout" | "garbage" | "raw";
  path?: string;
  method?: string;
  status?: number;
  message?: string;
  body?: unknown;
  /** `raw` only: response headers, e.g. a `Location` for a redirect. */
  headers?: Record<string, string>;
  retryAfter?: number;
  times?: number;
};

export type ControlOp =
  | { op: "seed"; token: string; repos: SeedRepo[] }
  | { op: "fault"; fault: Fault }
  | { op: "clear-faults" }
  | { op: "rate"; remaining: number; resetInSeconds?: number }
  | { op: "token"; token: string }
  | { op: "latency"; ms: number }
  | { op: "update-run"; repo: string; run: Partial<SeedRun> & { id: number } }
  | { op: "add-status"; repo: string; deployment: number; status: SeedStatus }
  /**
   * The test provokes schema refusals on purpose and asserts them through `invalid`: they are
   * recorded and answered 599 as ever, but not logged. Any other owner's refusal is logged.
   */
  | { op: "expect-refusals" };

export type RecordedCall = {
  method: string;
  path: string;
  query: string;
  status: number;
  /** Whether an Authorization header came with it (the log download must come without). */
  authorized: boolean;
  body?: unknown;
};

export type StandinState = {
  calls: RecordedCall[];
  /** Responses the schema check refused (each also answered 599). */
  invalid: string[];
};
