import type { JWTPayload } from "jose";
import { ROLE_RANK, type Role } from "../../schema/auth";
import { fail, ok, type Outcome } from "../../schema/problem";
import type { SsoRoleMapping, VerifiedIdentity } from "../../schema/sso";

/**
 * From verified ID token claims to the person Opsdeck admits: an e-mail address in one of the
 * allowed domains (verified by the provider unless the admin said otherwise), and the role the
 * configured claim maps to.
 */

export type IdentityRules = {
  allowedEmailDomains: string[];
  requireVerifiedEmail: boolean;
  roleMapping?: SsoRoleMapping | null;
};

/** `Jane@Example.COM` → `example.com`; undefined when it is no address at all. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return undefined;
  return email.slice(at + 1).toLowerCase();
}

/**
 * The highest role any value of the claim maps to; undefined when the claim is absent, not a
 * string or array of strings, or nothing matches.
 */
export function mappedRole(claims: JWTPayload, mapping: SsoRoleMapping): Role | undefined {
  const raw = claims[mapping.claim];
  const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  let best: Role | undefined;
  for (const value of values.slice(0, 1_000)) {
    if (typeof value !== "string" || !Object.hasOwn(mapping.values, value)) continue;
    const role = mapping.values[value];
    if (role && (best === undefined || ROLE_RANK[role] > ROLE_RANK[best])) best = role;
  }
  return best;
}

/**
 * The verified identity, or why this workspace does not admit it (403: the person is genuine).
 * @example identityFrom(claims, { allowedEmailDomains: ["example.com"], requireVerifiedEmail: true })
 */
export function identityFrom(claims: JWTPayload, rules: IdentityRules): Outcome<VerifiedIdentity> {
  const email = typeof claims.email === "string" ? claims.email.trim() : "";
  const domain = emailDomain(email);
  if (!email || !domain || email.length > 320)
    return fail(
      403,
      "sso_email_missing",
      "The identity provider sent no e-mail address; allow the `email` scope for this client.",
    );
  const emailVerified = claims.email_verified === true;
  if (rules.requireVerifiedEmail && !emailVerified)
    return fail(
      403,
      "sso_email_unverified",
      "The identity provider has not verified this e-mail address; verify it there first.",
    );
  if (!rules.allowedEmailDomains.includes(domain))
    return fail(
      403,
      "sso_email_domain",
      `Addresses at ${domain} may not sign in to this workspace; an admin can add the domain to the single sign-on settings.`,
    );
  const name = typeof claims.name === "string" ? claims.name.trim().slice(0, 200) : "";
  const roleClaim = rules.roleMapping ? mappedRole(claims, rules.roleMapping) : undefined;
  return ok({
    issuer: String(claims.iss),
    subject: String(claims.sub),
    email: email.toLowerCase(),
    emailVerified,
    ...(name ? { name } : {}),
    ...(roleClaim ? { roleClaim } : {}),
  });
}
