import type { SourceStatus } from "../../schema";
import { html } from "../html";
import type { MenuEntry } from "./menu";
import type { Paths } from "./paths";

/**
 * Whether actions through the GitHub API (rollback, redeploy, re-run, cancel, logs) can run:
 * webhooks alone fill the deployment and pipeline lists, but those calls need the token.
 */
export function githubTokenSet(sources: readonly SourceStatus[]): boolean {
  return sources.some((s) => s.id === "github" && s.tokenSet === true);
}

/** In place of actions that cannot run: what is missing and where to set it up. */
export function needsGithubToken(p: Paths, what: string): MenuEntry[] {
  return [
    {
      kind: "custom",
      children: html`<span class="menu-head">${what} need a GitHub token.</span>`,
    },
    { kind: "link", label: "Set up GitHub…", href: p.settings("github") },
  ];
}
