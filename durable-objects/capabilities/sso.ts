import {
  MEMBERS_MAX,
  MemberName,
  fail,
  ok,
  type Member,
  type Outcome,
  type Principal,
  type Role,
} from "../../schema";
import {
  AccessSettings,
  MAX_PENDING_SSO_FLOWS,
  type SsoConfigInput,
  type SsoConfigView,
  StoredSsoConfig,
} from "../../schema/sso";
import { verifyAccessJwt } from "../../providers/access-jwt";
import { sharedOidcCache } from "../../providers/oidc/cache";
import { discover } from "../../providers/oidc/discovery";
import { completeSignIn, startSignIn } from "../../providers/oidc/flow";
import { outboundFetch } from "../../providers/oidc/outbound";
import { mergeSsoConfig, openSsoConfig, viewSsoConfig } from "../domain/sso-config";
import { sha256Hex } from "../lib/crypto";
import { SsoFlowStore } from "../store/sso-flows";
import type { Host } from "./host";
import type { LoginGuard } from "./login-guard";
import type { Members, OpenedSession, SignInMethod } from "./members";
import { SECRETS_KEY_MISSING } from "./webhooks";

const SSO_KEY = "sso";
const ACCESS_KEY = "access";

/** Who is signing in, as the Worker saw the request. */
export type SignInClient = { address: string; userAgent?: string; replaces?: string };

/** A person an identity provider or Access vouched for, before they map to a member. */
type Vouched = { email: string; name?: string; roleClaim?: Role };

const flowsFull = () =>
  fail(
    503,
    "sso_flows_full",
    "Too many single sign-on attempts are in progress for this workspace; try again in a minute.",
    { retryAfterSeconds: 60 },
  );

/**
 * Single sign-on for members: the admin's OpenID Connect and Cloudflare Access settings
 * (in `meta`), the started flows (store/sso-flows.ts), and the mapping from a verified
 * address to a member, which ends in the members' one `startSession`. The provider layer
 * (providers/oidc, providers/access-jwt.ts) does every protocol check; this module decides
 * who the person is here.
 */
export class SingleSignOn {
  private readonly flows: SsoFlowStore;

  constructor(
    private readonly host: Host,
    private readonly members: Members,
    private readonly logins: () => LoginGuard,
  ) {
    this.flows = new SsoFlowStore(host.sql);
  }

  private read(key: string): unknown {
    const row = this.host.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)
      .next();
    return row.done ? undefined : JSON.parse(row.value.value);
  }

  private write(key: string, value: unknown): void {
    this.host.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
      key,
      JSON.stringify(value),
    );
  }

  stored(): StoredSsoConfig | undefined {
    const parsed = StoredSsoConfig.safeParse(this.read(SSO_KEY));
    return parsed.success ? parsed.data : undefined;
  }

  /** `GET api/integrations/sso`: the settings without the secret, or null before any save. */
  view(): SsoConfigView | null {
    const stored = this.stored();
    return stored ? viewSsoConfig(stored) : null;
  }

  /** Whether the sign-in page offers "Sign in with SSO". */
  enabled(): boolean {
    const stored = this.stored();
    return stored?.enabled === true && stored.clientSecretSealed !== undefined;
  }

  /**
   * Saves the settings after one discovery fetch of the issuer (when enabled), so a wrong
   * issuer is refused now (400/502 with the provider layer's code), not at the first sign-in.
   */
  async configure(actor: Principal, input: SsoConfigInput): Promise<Outcome<SsoConfigView>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const before = this.stored();
    const merged = await mergeSsoConfig(box, before, input, {
      allowLoopback: this.host.allowLoopback,
    });
    if (!merged.ok) return merged;
    if (input.enabled) {
      const allowLoopback = this.host.allowLoopback;
      const found = await discover(input.issuer, {
        cache: sharedOidcCache,
        fetch: outboundFetch({ allowLoopback }),
        allowLoopback,
        now: Date.now(),
      });
      // A wrong issuer is the admin's input, refused now: 400 with the provider layer's code.
      if (!found.ok) return { ...found, status: 400, field: "json.issuer" };
    }
    this.write(SSO_KEY, merged.value);
    const change = { before: before && viewSsoConfig(before), after: viewSsoConfig(merged.value) };
    this.host.audit.record(actor, "sso.configure", "sso", change, new Date());
    return ok(viewSsoConfig(merged.value));
  }

  accessSettings(): AccessSettings | null {
    const parsed = AccessSettings.safeParse(this.read(ACCESS_KEY));
    return parsed.success ? parsed.data : null;
  }

  configureAccess(actor: Principal, input: AccessSettings): Outcome<AccessSettings> {
    const before = this.accessSettings();
    this.write(ACCESS_KEY, input);
    this.host.audit.record(
      actor,
      "access.configure",
      "access",
      { before, after: input },
      new Date(),
    );
    return ok(input);
  }

  /**
   * Starts an OIDC sign-in: charged to the sign-in limits, the flow kept here bound to the
   * browser's flow cookie (`browser`), and the provider's authorization URL returned.
   */
  async start(input: {
    returnTo?: string;
    redirectUri: string;
    browser: string;
    address: string;
  }): Promise<Outcome<{ url: string }>> {
    const now = Date.now();
    const admitted = this.logins().admit(input.address, now);
    if (!admitted.ok) return admitted;
    const config = await this.runtime(input.redirectUri);
    if (!config.ok) return config;
    // Full before any outbound call: a flood of starts costs the provider nothing.
    if (this.flows.pending(now) >= MAX_PENDING_SSO_FLOWS) return flowsFull();
    const started = await startSignIn(config.value, { returnTo: input.returnTo, now });
    if (!started.ok) return started;
    if (!this.flows.put(started.value.flow, await sha256Hex(input.browser), now))
      return flowsFull();
    return ok({ url: started.value.url });
  }

  /**
   * Finishes an OIDC sign-in from the callback URL: the flow is taken once (only by the
   * browser that started it), the provider layer verifies everything, and the address maps
   * to a member. A failure is counted and stores nothing.
   */
  async complete(input: {
    callbackUrl: string;
    redirectUri: string;
    browser: string;
    client: SignInClient;
  }): Promise<Outcome<OpenedSession & { returnTo?: string }>> {
    const now = Date.now();
    const logins = this.logins();
    const admitted = logins.admit(input.client.address, now);
    if (!admitted.ok) return admitted;
    const outcome = await this.completeFlow(input, now);
    if (!outcome.ok) logins.failed(now);
    // Both charges (start and callback) come back: signing in costs nothing of the allowance.
    else for (let i = 0; i < 2; i++) logins.succeeded(input.client.address);
    return outcome;
  }

  private async completeFlow(
    input: { callbackUrl: string; redirectUri: string; browser: string; client: SignInClient },
    now: number,
  ): Promise<Outcome<OpenedSession & { returnTo?: string }>> {
    const config = await this.runtime(input.redirectUri);
    if (!config.ok) return config;
    const state = URL.parse(input.callbackUrl)?.searchParams.get("state") ?? "";
    const flow = state ? this.flows.take(state, await sha256Hex(input.browser)) : undefined;
    if (flow === "mismatch")
      return fail(
        400,
        "sso_state_mismatch",
        "This sign-in was started in another browser (state mismatch); start again here.",
        { field: "state" },
      );
    const identity = await completeSignIn(config.value, input.callbackUrl, flow, { now });
    if (!identity.ok) return identity;
    const stored = this.stored();
    const opened = await this.admit(identity.value, "oidc", input.client, stored);
    if (!opened.ok) return opened;
    return ok({ ...opened.value, ...(flow?.returnTo ? { returnTo: flow.returnTo } : {}) });
  }

  /**
   * Cloudflare Access: a verified person's address signs in as an enabled member (never
   * created here); a service token is no person and is refused for member routes.
   */
  async accessSignIn(assertion: string, client: SignInClient): Promise<Outcome<OpenedSession>> {
    const settings = this.accessSettings();
    // Without Access settings the header means nothing here: the usual "sign in" answer.
    if (!settings?.enabled)
      return fail(401, "unauthenticated", "Sign in, or send 'Authorization: Bearer <token>'.");
    const now = Date.now();
    const logins = this.logins();
    const admitted = logins.admit(client.address, now);
    if (!admitted.ok) return admitted;
    const who = await verifyAccessJwt(assertion, {
      teamDomain: settings.teamDomain,
      audience: settings.audience,
      allowLoopback: this.host.allowLoopback,
    });
    const outcome: Outcome<OpenedSession> = !who.ok
      ? who
      : who.value.kind === "service"
        ? fail(
            403,
            "access_service_token",
            "A Cloudflare Access service token is not a person: use an API token (Authorization: Bearer) for machines.",
          )
        : await this.admit({ email: who.value.email }, "access", client, undefined);
    if (!outcome.ok) logins.failed(now);
    else logins.succeeded(client.address);
    return outcome;
  }

  private async runtime(redirectUri: string) {
    return openSsoConfig(this.stored(), await this.host.box(), {
      redirectUri,
      allowLoopback: this.host.allowLoopback,
    });
  }

  /**
   * The member behind a vouched-for address: an enabled member signs in (their role updated
   * when the role claim maps to another, audited); an unknown address becomes a member only
   * when `autoProvision` is on; a disabled member is refused.
   */
  private async admit(
    who: Vouched,
    method: SignInMethod,
    client: SignInClient,
    config: StoredSsoConfig | undefined,
  ): Promise<Outcome<OpenedSession>> {
    let member = this.members.store.byEmail(who.email);
    if (member?.disabledAt)
      return fail(403, "member_disabled", "This member is disabled; ask an admin to enable them.");
    if (!member) {
      if (!config?.autoProvision)
        return fail(
          403,
          "sso_member_unknown",
          `${who.email} is not a member of this workspace: ask an admin to invite you.`,
        );
      const created = this.provision(who, who.roleClaim ?? config.defaultRole, method);
      if (!created.ok) return created;
      member = created.value;
    } else if (who.roleClaim && who.roleClaim !== member.role) {
      // The identity provider's groups decide the role; the last admin stays admin (409 ignored).
      const self: Principal = {
        tokenId: member.id,
        memberId: member.id,
        name: member.name,
        role: member.role,
      };
      this.members.update(self, member.id, { role: who.roleClaim });
    }
    return this.members.startSession(member.id, method, client);
  }

  private provision(who: Vouched, role: Role, method: SignInMethod): Outcome<Member> {
    if (this.members.store.count() >= MEMBERS_MAX)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${MEMBERS_MAX} members, the most it keeps; an admin must remove some first.`,
      );
    const fallback = who.email.split("@")[0] ?? "member";
    const name =
      [who.name, fallback].map((n) => MemberName.safeParse(n)).find((p) => p.success)?.data ??
      "Member";
    const now = new Date();
    const member = this.members.store.add(who.email, name, role, now);
    const actor = { kind: "member" as const, memberId: member.id, name: member.name };
    const after = { email: member.email, name: member.name, role: member.role, method };
    this.host.audit.record(actor, "member.join", member.id, { after }, now);
    this.host.publish({ type: "members", payload: [] });
    return ok(member);
  }
}
