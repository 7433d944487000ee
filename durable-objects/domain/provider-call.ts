import type {
  ActivityItem,
  ChangeEvent,
  Outcome,
  Principal,
  ProviderAction,
  StoredSettings,
} from "../../schema";
import type { RepoIdentity } from "../../providers/github/collector";
import { GithubClient, GithubError, type GithubConnection } from "../../providers/github/client";
import type { AuditLog } from "../store/audit";
import type { ProviderActions } from "../store/provider-actions";
import type { SecretBox } from "../store/secret-box";
import { ACTION_LIMITS, openGithub, providerFailure } from "./github-access";
import type { GithubStores } from "./github-apply";

/** What provider actions need from the workspace object. */
export type ActionDeps = {
  stores: GithubStores;
  actions: ProviderActions;
  audit: AuditLog;
  settings: () => StoredSettings;
  box: () => Promise<SecretBox | undefined>;
  /** GitHub's id for a repository, when the collector has seen it. */
  identity: (fullName: string) => RepoIdentity | undefined;
  publish: (event: ChangeEvent, now: Date) => void;
  addActivity: (items: ActivityItem[], now: Date) => void;
  allowLoopback: boolean;
};

/** A client for one action, or why GitHub cannot be called. */
export async function actionClient(deps: ActionDeps): Promise<Outcome<GithubClient>> {
  const opened: Outcome<GithubConnection> = await openGithub(
    deps.settings().integrations.github,
    await deps.box(),
  );
  return opened.ok ? { ok: true, value: new GithubClient(opened.value, ACTION_LIMITS) } : opened;
}

/**
 * Runs the provider call of a recorded (pending) action. On failure the action is recorded as
 * failed with the reason and audited, and nothing else was written: the caller stores state
 * only from what the provider answered, after it answered.
 */
export async function attempt<T>(
  deps: ActionDeps,
  actor: Principal,
  action: ProviderAction,
  call: () => Promise<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const failure = providerFailure(error);
    const now = new Date();
    const failed = deps.actions.fail(
      action,
      now,
      failure.detail,
      error instanceof GithubError ? error.status : undefined,
      failure.status !== 409,
    );
    deps.audit.record(actor, action.kind, action.target, { after: failed }, now);
    return failure;
  }
}

/** Records success and audits it with the target's state before and after. */
export function succeeded(
  deps: ActionDeps,
  actor: Principal,
  action: ProviderAction,
  change: { before: unknown; after: unknown; resultId?: string; note?: string },
): ProviderAction {
  const now = new Date();
  const done = deps.actions.succeed(action, now, change.resultId, change.note);
  deps.audit.record(
    actor,
    action.kind,
    action.target,
    { before: change.before, after: { action: done, record: change.after } },
    now,
  );
  return done;
}

/** `gh-run-123` → 123; undefined for records from other providers. */
export function githubNumber(id: string, prefix: "gh-run-" | "gh-job-" | "gh-deploy-") {
  const match = new RegExp(`^${prefix}(\\d{1,20})$`).exec(id);
  const n = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
