import { generateAuthenticationOptions } from "@simplewebauthn/server";
import {
  MEMBERS_MAX,
  PASSKEY_CHALLENGES_MAX,
  PASSKEY_CHALLENGE_TTL_SECONDS,
  PASSKEYS_PER_MEMBER_MAX,
  fail,
  ok,
  type Actor,
  type JoinPasskeyOptionsBody,
  type Outcome,
  type Passkey,
  type PasskeyOptions,
  type PasskeyRegistrationBody,
  type PasskeySignInBody,
  type Principal,
  type RelyingParty,
} from "../../schema";
import { creationOptions, verifiedAssertion, verifiedRegistration } from "../domain/webauthn";
import { sha256Hex } from "../lib/crypto";
import { PasskeyStore, type Challenge } from "../store/passkeys";
import type { Host } from "./host";
import type { LoginGuard } from "./login-guard";
import { invalidInvitation, type Members, type OpenedSession } from "./members";

type Client = { address: string; userAgent?: string; replaces?: string };

/**
 * The one answer to a passkey that does not sign in here, whatever the reason (unknown
 * credential, a disabled member's, wrong origin, bad signature, unknown or spent challenge),
 * so none can be told apart.
 */
export const invalidPasskey = () =>
  fail(401, "passkey_invalid", "That passkey does not sign in to this workspace; try again.");

const tooManyChallenges = () =>
  fail(429, "rate_limited", "Too many passkey ceremonies in progress here: retry in a minute.", {
    retryAfterSeconds: 60,
  });

const TTL_MS = PASSKEY_CHALLENGE_TTL_SECONDS * 1000;

/**
 * Passkeys (WebAuthn) as a member's sign-in method: registration when an invitation is
 * accepted or from the profile, sign-in with a discoverable credential. Challenges are stored
 * here, single use and expiring; a sign-in ends in `Members.startSession`. The signature
 * work is @simplewebauthn/server's; the counter rule (a clone) is judged here, after the
 * signature, so only the credential's holder can trip it.
 */
export class Passkeys {
  readonly store: PasskeyStore;

  constructor(
    private readonly host: Host,
    private readonly members: Members,
    private readonly logins: () => LoginGuard,
  ) {
    this.store = new PasskeyStore(host.sql);
  }

  /** Options for the invitee's new passkey; the invitation stays unused until it is answered. */
  async joinOptions(
    body: JoinPasskeyOptionsBody,
    rp: RelyingParty,
    client: Client,
  ): Promise<Outcome<PasskeyOptions>> {
    const now = Date.now();
    const admitted = this.logins().admit(client.address, now);
    if (!admitted.ok) return admitted;
    const invitationHash = await sha256Hex(body.token);
    const invitation = this.members.store.redeemable(invitationHash, now);
    if (!invitation) {
      this.logins().failed(now);
      return invalidInvitation();
    }
    const existing = this.members.store.byEmail(invitation.email);
    if (existing?.disabledAt)
      return fail(403, "member_disabled", "This member is disabled; ask an admin to enable them.");
    // A live invitation is a credential: its holder's allowance is given back.
    this.logins().succeeded(client.address);
    return this.registrationOptions(rp, now, {
      purpose: "join",
      invitationHash,
      name: body.name,
      userName: invitation.email,
      exclude: existing ? existing.id : undefined,
    });
  }

  /**
   * Accepts an invitation with a verified new passkey: the member is created (or, for a
   * sign-in link, found), the passkey attached, and a session started. Nothing is stored
   * unless the registration verifies.
   */
  async join(
    body: PasskeyRegistrationBody,
    rp: RelyingParty,
    client: Client,
  ): Promise<Outcome<OpenedSession>> {
    const now = new Date();
    const logins = this.logins();
    const admitted = logins.admit(client.address, now.getTime());
    if (!admitted.ok) return admitted;
    const challenge = this.store.takeChallenge(body.challengeId, "join", now.getTime());
    const invitation =
      challenge?.invitationHash !== undefined
        ? this.members.store.redeemable(challenge.invitationHash, now.getTime())
        : undefined;
    if (!challenge || !invitation) {
      logins.failed(now.getTime());
      return invalidInvitation();
    }
    const stored = await verifiedRegistration(body.response, challenge.challenge, rp, "Passkey");
    if (!stored) {
      logins.failed(now.getTime());
      return invalidPasskey();
    }
    const existing = this.members.store.byEmail(invitation.email);
    if (existing?.disabledAt) return invalidPasskey();
    if (!existing && this.members.store.count() >= MEMBERS_MAX)
      return fail(
        409,
        "limit_reached",
        `This workspace has ${MEMBERS_MAX} members, the most it keeps.`,
      );
    const joining = existing === undefined;
    const member = this.host.transaction(() => {
      this.members.store.deleteInvitation(invitation.id);
      const m =
        existing ??
        this.members.store.add(
          invitation.email,
          challenge.name ?? invitation.email,
          invitation.role,
          now,
        );
      this.members.store.addCredential(m.id, "passkey", stored.credentialId, stored.data, now);
      return m;
    });
    logins.succeeded(client.address);
    const actor: Actor = { kind: "member", memberId: member.id, name: member.name };
    if (joining) {
      const after = { email: member.email, name: member.name, role: member.role };
      this.host.audit.record(actor, "member.join", member.id, { before: invitation, after }, now);
      this.host.publish({ type: "members", payload: [] });
    }
    this.host.audit.record(
      actor,
      "passkey.add",
      member.id,
      { after: { name: stored.data.name } },
      now,
    );
    return this.members.startSession(member.id, "passkey", client);
  }

  /** Options for a sign-in with any discoverable credential of this relying party. */
  async signInOptions(rp: RelyingParty, client: Client): Promise<Outcome<PasskeyOptions>> {
    const now = Date.now();
    // Charged, and given back only by the sign-in it leads to: no one address fills the table.
    const admitted = this.logins().admit(client.address, now);
    if (!admitted.ok) return admitted;
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      userVerification: "preferred",
      timeout: TTL_MS,
    });
    const id = crypto.randomUUID();
    const challenge: Challenge = {
      id,
      challenge: options.challenge,
      purpose: "sign-in",
      expiresAt: now + TTL_MS,
    };
    if (!this.store.addChallenge(challenge, now, PASSKEY_CHALLENGES_MAX))
      return tooManyChallenges();
    return ok({ challengeId: id, options: { ...options } });
  }

  /** Signs in with a discoverable credential: the member's session, or the one 401. */
  async signIn(
    body: PasskeySignInBody,
    rp: RelyingParty,
    client: Client,
  ): Promise<Outcome<OpenedSession>> {
    const now = new Date();
    const logins = this.logins();
    const admitted = logins.admit(client.address, now.getTime());
    if (!admitted.ok) return admitted;
    const refuse = () => {
      logins.failed(now.getTime());
      return invalidPasskey();
    };
    const challenge = this.store.takeChallenge(body.challengeId, "sign-in", now.getTime());
    if (!challenge) return refuse();
    const passkey = this.store.byCredentialId(body.response.id);
    if (!passkey || !this.members.store.active(passkey.memberId)) return refuse();
    const newCounter = await verifiedAssertion(body.response, challenge.challenge, rp, passkey);
    if (newCounter === undefined) return refuse();
    if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
      logins.failed(now.getTime());
      const owner = this.members.store.get(passkey.memberId)!;
      const actor: Actor = { kind: "member", memberId: owner.id, name: owner.name };
      this.host.audit.record(
        actor,
        "passkey.clone_refused",
        passkey.id,
        { before: { counter: passkey.counter }, after: { counter: newCounter } },
        now,
      );
      return fail(
        401,
        "passkey_cloned",
        "This passkey's signature counter went backwards, as a copied authenticator's does; it was refused and the attempt recorded. Use another passkey or ask an admin.",
      );
    }
    const { id, memberId, credentialId: _c, ...stored } = passkey;
    this.store.used(id, { ...stored, counter: newCounter }, now);
    // Both charges come back (this attempt's and its challenge's): people signing in never
    // meet the limit, failed ceremonies use it up.
    logins.succeeded(client.address);
    logins.succeeded(client.address);
    return this.members.startSession(memberId, "passkey", client);
  }

  /** The caller's passkeys. */
  list(principal: Principal): Outcome<Passkey[]> {
    if (principal.memberId === undefined) return notMember();
    return ok(this.store.list(principal.memberId));
  }

  /** Options for adding a passkey in the profile (up to the cap, never one already held). */
  async addOptions(
    principal: Principal,
    name: string,
    rp: RelyingParty,
  ): Promise<Outcome<PasskeyOptions>> {
    const memberId = principal.memberId;
    if (memberId === undefined) return notMember();
    if (this.store.ofMember(memberId).length >= PASSKEYS_PER_MEMBER_MAX) return passkeyCap();
    const member = this.members.store.get(memberId)!;
    return this.registrationOptions(rp, Date.now(), {
      purpose: "add",
      memberId,
      name,
      userName: member.email,
      exclude: memberId,
    });
  }

  /** Adds a verified passkey to the caller. */
  async add(
    principal: Principal,
    body: PasskeyRegistrationBody,
    rp: RelyingParty,
  ): Promise<Outcome<Passkey>> {
    const memberId = principal.memberId;
    if (memberId === undefined) return notMember();
    const now = new Date();
    const challenge = this.store.takeChallenge(body.challengeId, "add", now.getTime());
    if (!challenge || challenge.memberId !== memberId) return unknownChallenge();
    const stored = await verifiedRegistration(
      body.response,
      challenge.challenge,
      rp,
      challenge.name ?? "Passkey",
    );
    if (!stored) return invalidPasskey();
    if (this.store.ofMember(memberId).length >= PASSKEYS_PER_MEMBER_MAX) return passkeyCap();
    if (this.store.byCredentialId(stored.credentialId))
      return fail(409, "passkey_exists", "That passkey is already registered.");
    const id = this.members.store.addCredential(
      memberId,
      "passkey",
      stored.credentialId,
      stored.data,
      now,
    );
    this.host.audit.record(
      principal,
      "passkey.add",
      id,
      { after: { name: stored.data.name } },
      now,
    );
    return ok(this.store.list(memberId).find((p) => p.id === id)!);
  }

  /**
   * Removes one of the caller's passkeys, unless it is their only sign-in credential: then
   * 409 last_sign_in_method (add another first), so no member locks themselves out.
   */
  remove(principal: Principal, id: string): Outcome<{ removed: string }> {
    const memberId = principal.memberId;
    if (memberId === undefined) return notMember();
    const mine = this.store.ofMember(memberId).find((p) => p.id === id);
    if (!mine)
      return fail(404, "not_found", `No passkey of yours with id '${id}'.`, { field: "id" });
    if (this.store.credentialCount(memberId) <= 1)
      return fail(
        409,
        "last_sign_in_method",
        "This is your only way to sign in: add another passkey first, then remove this one.",
        { field: "id" },
      );
    this.store.remove(memberId, id);
    this.host.audit.record(
      principal,
      "passkey.remove",
      id,
      { before: { name: mine.name } },
      new Date(),
    );
    return ok({ removed: id });
  }

  private async registrationOptions(
    rp: RelyingParty,
    now: number,
    what: Pick<Challenge, "purpose" | "memberId" | "invitationHash" | "name"> & {
      userName: string;
      exclude: string | undefined;
    },
  ): Promise<Outcome<PasskeyOptions>> {
    const exclude = what.exclude ? this.store.ofMember(what.exclude) : [];
    const { options, userId } = await creationOptions(rp, TTL_MS, {
      userName: what.userName,
      displayName: what.name ?? what.userName,
      exclude: exclude.map((p) => p.credentialId),
    });
    const id = crypto.randomUUID();
    const challenge: Challenge = {
      id,
      challenge: options.challenge,
      purpose: what.purpose,
      expiresAt: now + TTL_MS,
      userId,
      ...(what.memberId ? { memberId: what.memberId } : {}),
      ...(what.invitationHash ? { invitationHash: what.invitationHash } : {}),
      ...(what.name ? { name: what.name } : {}),
    };
    if (!this.store.addChallenge(challenge, now, PASSKEY_CHALLENGES_MAX))
      return tooManyChallenges();
    return ok({ challengeId: id, options: { ...options } });
  }
}

const notMember = () =>
  fail(
    403,
    "member_required",
    "Only a member signed in as themselves has passkeys; an API token has none.",
  );

const passkeyCap = () =>
  fail(
    409,
    "limit_reached",
    `A member holds at most ${PASSKEYS_PER_MEMBER_MAX} passkeys: remove one first.`,
  );

const unknownChallenge = () =>
  fail(
    400,
    "challenge_invalid",
    "That challenge is unknown, already used or expired: start again.",
    {
      field: "challengeId",
    },
  );
