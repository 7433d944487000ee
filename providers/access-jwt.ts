import { checkOutboundUrl } from "../lib/url-policy";
import { fail, ok, type Outcome } from "../schema/problem";
import { AccessConfig, type AccessIdentity } from "../schema/sso";
import { sharedOidcCache, type OidcCache } from "./oidc/cache";
import { outboundFetch, type FetchLike } from "./oidc/outbound";
import { verifyJwt } from "./oidc/verify-jwt";

/**
 * Cloudflare Access: when the Worker sits behind an Access application, every request carries
 * `Cf-Access-Jwt-Assertion`, an RS256 JWT signed with the team's key
 * (https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/).
 * Checked here: signature against the team's JWKS (`/cdn-cgi/access/certs`, cached; Access
 * rotates keys every 6 weeks and keeps the previous one listed for 7 days, so an unknown `kid`
 * refetches at most once per cooldown), `iss` = the team domain, `aud` contains the
 * application's AUD tag, `exp`/`nbf`. The header is not trusted for anything else.
 */

export const ACCESS_ASSERTION_HEADER = "Cf-Access-Jwt-Assertion";

/**
 * `acme`, `acme.cloudflareaccess.com` or `https://acme.cloudflareaccess.com/` → the issuer
 * `https://acme.cloudflareaccess.com`; a loopback URL only where loopback is allowed (tests).
 */
export function accessIssuer(teamDomain: string, allowLoopback: boolean): Outcome<string> {
  const raw = teamDomain.trim().replace(/\/+$/, "");
  if (/^[a-z0-9][a-z0-9-]{0,62}$/i.test(raw))
    return ok(`https://${raw.toLowerCase()}.cloudflareaccess.com`);
  const candidate = raw.includes("://") ? raw : `https://${raw}`;
  const verdict = checkOutboundUrl(candidate, { allowLoopback });
  if (!verdict.ok)
    return fail(400, "url_not_allowed", `The team domain is refused: ${verdict.reason}.`, {
      field: "teamDomain",
    });
  const { url } = verdict;
  const loopback = allowLoopback && url.protocol === "http:";
  if (!loopback && !url.hostname.endsWith(".cloudflareaccess.com"))
    return fail(
      400,
      "validation_failed",
      "The team domain is <team>.cloudflareaccess.com (your Zero Trust team domain).",
      { field: "teamDomain" },
    );
  if (url.pathname !== "/" || url.search)
    return fail(400, "validation_failed", "The team domain is a host name, without a path.", {
      field: "teamDomain",
    });
  return ok(url.origin);
}

export type AccessVerifyOptions = { cache?: OidcCache; fetch?: FetchLike; currentDate?: Date };

/**
 * Verifies the assertion of one request and says who Access let through.
 * @example
 * const who = await verifyAccessJwt(req.headers.get(ACCESS_ASSERTION_HEADER), {
 *   teamDomain: "acme.cloudflareaccess.com", audience: env.ACCESS_AUD });
 */
export async function verifyAccessJwt(
  assertion: string | null | undefined,
  input: AccessConfig,
  options: AccessVerifyOptions = {},
): Promise<Outcome<AccessIdentity>> {
  const config = AccessConfig.parse(input);
  if (!assertion)
    return fail(401, "access_jwt_missing", `The ${ACCESS_ASSERTION_HEADER} header is missing.`);
  const issuer = accessIssuer(config.teamDomain, config.allowLoopback);
  if (!issuer.ok) return issuer;
  const fetchImpl = outboundFetch({ allowLoopback: config.allowLoopback, fetch: options.fetch });
  const keys = (options.cache ?? sharedOidcCache).keys(
    `${issuer.value}/cdn-cgi/access/certs`,
    config.allowLoopback ? "loopback" : "public",
    fetchImpl,
  );
  const verdict = await verifyJwt(assertion, keys, {
    issuer: issuer.value,
    audience: config.audience,
    algorithms: ["RS256"],
    currentDate: options.currentDate,
  });
  if (!verdict.ok)
    return verdict.kind === "provider"
      ? fail(
          502,
          "access_certs_unreachable",
          `Could not check the Access assertion: ${verdict.reason}.`,
          {
            retryAfterSeconds: 30,
          },
        )
      : fail(401, "access_jwt_invalid", `The Access assertion is refused: ${verdict.reason}.`);
  const claims = verdict.claims;
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (email && email.includes("@") && email.length <= 320)
    return ok({
      kind: "person",
      issuer: issuer.value,
      subject: String(claims.sub ?? ""),
      email,
      ...(typeof claims.country === "string" ? { country: claims.country.slice(0, 8) } : {}),
    });
  // Service tokens carry `common_name` (the token's client id) and no e-mail.
  if (typeof claims.common_name === "string" && claims.common_name)
    return ok({
      kind: "service",
      issuer: issuer.value,
      clientId: claims.common_name.slice(0, 200),
    });
  return fail(
    401,
    "access_jwt_invalid",
    "The Access assertion names neither a person nor a service token.",
  );
}
