import type { Workspace } from "../durable-objects/workspace";
import type { CredentialKind, Principal } from "../schema";

/** The typed stub every route uses to reach its workspace object. */
export type WorkspaceStub = DurableObjectStub<Workspace>;

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set by `authorize()`: the workspace named in the path and who is calling it. */
    workspace: { id: string; stub: WorkspaceStub };
    principal: Principal;
    credentialKind: CredentialKind;
    /** Set by `authorize()` when it renewed a member's session: the cookie this response sets. */
    renewedSession: string | undefined;
  };
};
