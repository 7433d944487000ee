import { z } from "zod";
import { Role } from "./auth";
import { Text } from "./common";

// ── Limits ────────────────────────────────────────────────────────────────────────────

/** Allowed e-mail domains per workspace: a company and its acquisitions, not a directory. */
export const MAX_SSO_EMAIL_DOMAINS = 50;
/** Claim values an admin may map to roles (group names, usually). */
export const MAX_SSO_ROLE_VALUES = 50;
/** How long a started sign-in may take at the identity provider before its state lapses. */
export const SSO_FLOW_TTL_MS = 10 * 60 * 1000;
/** Unused flow states kept per workspace; a store past it drops the oldest (a lapsed sign-in). */
export const MAX_PENDING_SSO_FLOWS = 1_000;

// ── Admin configuration ───────────────────────────────────────────────────────────────

/**
 * An e-mail domain as the part after `@`: lowercase DNS labels, at least two. Subdomains are
 * not implied (`example.com` does not admit `eng.example.com`); list each one.
 */
export const EmailDomain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
    "a domain such as example.com, without @ or a scheme",
  );

/** An OAuth client id as providers issue them: printable ASCII without spaces. */
const ClientId = Text(255)
  .min(1, "the client id the identity provider issued")
  .regex(/^[\x21-\x7e]+$/, "printable characters without spaces");
/** OAuth client secret: sent in Basic auth or a form body, so printable ASCII only. */
const ClientSecret = Text(1000)
  .min(8, "the client secret the identity provider issued (at least 8 characters)")
  .regex(/^[\x21-\x7e]+$/, "printable characters without spaces");
/** A JWT claim name (`groups`, `roles`, `https://example.com/roles`). */
const ClaimName = Text(200)
  .min(1)
  .regex(/^[\x21-\x7e]+$/, "a claim name without spaces");

/**
 * Optional role mapping: the ID token claim (a string or an array of strings) and which of its
 * values grant which role. The highest role matched wins; no match leaves the role to whoever
 * admits the member (an invitation, or the member's stored role).
 */
export const SsoRoleMapping = z
  .object({
    claim: ClaimName,
    values: z
      .record(Text(200).min(1), Role)
      .refine((v) => Object.keys(v).length >= 1, "map at least one claim value to a role")
      .refine((v) => Object.keys(v).length <= MAX_SSO_ROLE_VALUES, {
        message: `at most ${MAX_SSO_ROLE_VALUES} claim values`,
      }),
  })
  .strict();
export type SsoRoleMapping = z.infer<typeof SsoRoleMapping>;

const unique = (items: string[]) => new Set(items).size === items.length;

/**
 * The admin's single sign-on settings (OpenID Connect). Like every integration secret,
 * omitting `clientSecret` keeps the stored one and `null` clears it. The issuer URL passes the
 * outbound URL policy when saved (checked by the route, not here: loopback depends on config).
 */
export const SsoConfigInput = z
  .object({
    enabled: z.boolean(),
    issuer: Text(500).trim().min(1, "the issuer URL, e.g. https://accounts.example.com"),
    clientId: ClientId,
    clientSecret: ClientSecret.nullable().optional(),
    allowedEmailDomains: z
      .array(EmailDomain)
      .min(1, "list at least one e-mail domain whose people may sign in")
      .max(MAX_SSO_EMAIL_DOMAINS)
      .refine(unique, "list each domain once"),
    /**
     * Refuse an ID token whose `email_verified` is not `true` (the default). Turn off only for
     * providers that own every address they assert and send no such claim (Microsoft Entra ID).
     */
    requireVerifiedEmail: z.boolean().default(true),
    roleMapping: SsoRoleMapping.nullable().optional(),
    /**
     * An address in an allowed domain that is no member yet becomes one at its first sign-in
     * (with the mapped role, else `defaultRole`). Off by default: then only invited members
     * sign in, and anyone else is refused with `sso_member_unknown`.
     */
    autoProvision: z.boolean().default(false),
    /** The role of a member created by `autoProvision` when no role claim matched. */
    defaultRole: Role.default("viewer"),
  })
  .strict();
export type SsoConfigInput = z.infer<typeof SsoConfigInput>;

/** Stored form: the client secret sealed with SECRETS_KEY like every other secret. */
export const StoredSsoConfig = z.object({
  enabled: z.boolean(),
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSealed: z.string().optional(),
  allowedEmailDomains: z.array(z.string()),
  requireVerifiedEmail: z.boolean(),
  roleMapping: SsoRoleMapping.optional(),
  autoProvision: z.boolean().default(false),
  defaultRole: Role.default("viewer"),
});
export type StoredSsoConfig = z.infer<typeof StoredSsoConfig>;

/** `GET` view: the secret only as "set", never its value. */
export const SsoConfigView = StoredSsoConfig.omit({ clientSecretSealed: true }).extend({
  clientSecretSet: z.boolean(),
});
export type SsoConfigView = z.infer<typeof SsoConfigView>;

/** What the provider layer needs to run a flow: the stored config with its secret opened. */
export const SsoRuntimeConfig = StoredSsoConfig.omit({ clientSecretSealed: true }).extend({
  clientSecret: z.string().min(1),
  /** Where the identity provider sends the browser back (`…/w/<ws>/auth/sso/callback`). */
  redirectUri: z.url(),
  /** ALLOW_LOOPBACK_URLS: admits an `http://127.0.0.1` issuer (tests, local development). */
  allowLoopback: z.boolean().default(false),
});
export type SsoRuntimeConfig = z.input<typeof SsoRuntimeConfig>;
/** The runtime config after parsing (defaults applied). */
export type SsoRuntimeSettings = z.output<typeof SsoRuntimeConfig>;

// ── Flow state ────────────────────────────────────────────────────────────────────────

/** base64url, as oauth4webapi's generators make them (32 random bytes → 43 characters). */
const RandomToken = z
  .string()
  .min(43)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "base64url");

/**
 * Where to go after signing in: a path on this origin only (`/w/demo/alerts`), never a URL
 * (`//evil.example`, `/\evil.example` and schemes are refused), so the flow is no open redirect.
 */
export const ReturnTo = Text(2000).regex(
  /^\/(?![/\\])[^\s\\]*$/,
  "a path on this site starting with a single /",
);

/**
 * One started sign-in, kept server-side until the browser comes back: looked up by `state`,
 * taken once (a second callback with the same state finds nothing) and lapsing after
 * SSO_FLOW_TTL_MS. `codeVerifier` never leaves the server; only its S256 challenge does.
 */
export const SsoFlowState = z
  .object({
    state: RandomToken,
    nonce: RandomToken,
    codeVerifier: RandomToken,
    createdAt: z.number().int().nonnegative(),
    returnTo: ReturnTo.optional(),
  })
  .strict();
export type SsoFlowState = z.infer<typeof SsoFlowState>;

// ── Results ───────────────────────────────────────────────────────────────────────────

/** A person the identity provider vouched for, after every check passed. */
export const VerifiedIdentity = z.object({
  issuer: z.string(),
  subject: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  name: z.string().optional(),
  /** The role the configured claim mapped to, when a mapping is set and a value matched. */
  roleClaim: Role.optional(),
});
export type VerifiedIdentity = z.infer<typeof VerifiedIdentity>;

/**
 * Why a sign-in was refused: the stable `code` of the failure (schema/problem.ts `fail`).
 * 400: the browser's request is wrong or stale; 401: the provider's answer failed a check;
 * 403: a genuine identity this workspace does not admit; 502: the provider misbehaved.
 */
export const SsoFailureCode = z.enum([
  "sso_disabled",
  "sso_not_configured",
  "sso_state_unknown",
  "sso_state_mismatch",
  "sso_flow_expired",
  "sso_pkce_missing",
  "sso_provider_error",
  "sso_code_rejected",
  "sso_client_rejected",
  "sso_id_token_invalid",
  "sso_email_missing",
  "sso_email_unverified",
  "sso_email_domain",
  "sso_issuer_unreachable",
  "sso_issuer_invalid",
  "url_not_allowed",
  "validation_failed",
  "secrets_key_missing",
  "sso_member_unknown",
  "member_disabled",
  "sso_flows_full",
  "rate_limited",
]);
export type SsoFailureCode = z.infer<typeof SsoFailureCode>;

// ── Cloudflare Access ─────────────────────────────────────────────────────────────────

/**
 * The Access application in front of the Worker: the Zero Trust team domain
 * (`acme.cloudflareaccess.com`, or just `acme`) and the application's AUD tag (Access →
 * Applications → the app → Overview). Assertions are verified against
 * `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`.
 */
export const AccessConfig = z
  .object({
    teamDomain: Text(300).trim().min(1, "the team domain, e.g. acme.cloudflareaccess.com"),
    audience: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{8,200}$/, "the application's AUD tag (64 hexadecimal characters)"),
    /** ALLOW_LOOPBACK_URLS: admits an `http://127.0.0.1:<port>` team domain (tests only). */
    allowLoopback: z.boolean().default(false),
  })
  .strict();
export type AccessConfig = z.input<typeof AccessConfig>;

/** Who Access let through: a person (identity login) or a service token (no person). */
export const AccessIdentity = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("person"),
    issuer: z.string(),
    subject: z.string(),
    email: z.string(),
    country: z.string().optional(),
  }),
  z.object({ kind: z.literal("service"), issuer: z.string(), clientId: z.string() }),
]);
export type AccessIdentity = z.infer<typeof AccessIdentity>;

/**
 * Why an Access assertion was refused: 401 missing or failing a check; 502 the team's certs
 * could not be read (the assertion was never judged); 400 a team domain that is not one.
 */
export const AccessFailureCode = z.enum([
  "access_jwt_missing",
  "access_jwt_invalid",
  "access_certs_unreachable",
  "url_not_allowed",
  "validation_failed",
  "access_service_token",
  "sso_member_unknown",
  "member_disabled",
]);
export type AccessFailureCode = z.infer<typeof AccessFailureCode>;

/**
 * The admin's Cloudflare Access settings (`PUT api/integrations/access`): when enabled, a
 * request without a session or token that carries `Cf-Access-Jwt-Assertion` is verified
 * against this team and AUD tag and, for an enabled member's address, signed in.
 */
export const AccessSettings = z
  .object({
    enabled: z.boolean(),
    teamDomain: AccessConfig.shape.teamDomain,
    audience: AccessConfig.shape.audience,
  })
  .strict();
export type AccessSettings = z.infer<typeof AccessSettings>;
