import { checkOutboundUrl } from "../../lib/url-policy";
import { fail, ok, type Outcome } from "../../schema/problem";
import type {
  SsoConfigInput,
  SsoConfigView,
  SsoRuntimeConfig,
  StoredSsoConfig,
} from "../../schema/sso";
import type { SecretBox } from "../store/secret-box";

/**
 * The admin's single sign-on settings between the request and storage, as pure functions for
 * whichever capability will own them (members and sessions): merge a `PUT` into the stored
 * form (the client secret sealed, write-only like every integration secret), show it without
 * the secret, and open it for one sign-in.
 */

/**
 * Applies an `SsoConfigInput`: the issuer must pass the outbound URL policy; an omitted
 * `clientSecret` keeps the stored one, `null` clears it, a string is sealed. Enabling needs a
 * secret. Failures name the field as `json.<field>`, like the router's validation.
 * @example await mergeSsoConfig(box, stored, input, { allowLoopback: false })
 */
export async function mergeSsoConfig(
  box: SecretBox,
  current: StoredSsoConfig | undefined,
  input: SsoConfigInput,
  options: { allowLoopback: boolean },
): Promise<Outcome<StoredSsoConfig>> {
  const verdict = checkOutboundUrl(input.issuer, options);
  if (!verdict.ok)
    return fail(400, "url_not_allowed", `The issuer URL is refused: ${verdict.reason}.`, {
      field: "json.issuer",
    });
  // An identifier, not a location: the provider's metadata must name exactly this string.
  if (verdict.url.search || verdict.url.hash)
    return fail(400, "validation_failed", "The issuer URL has no query or fragment.", {
      field: "json.issuer",
    });
  const clientSecretSealed =
    input.clientSecret === null
      ? undefined
      : input.clientSecret !== undefined
        ? await box.seal(input.clientSecret)
        : current?.clientId === input.clientId
          ? current.clientSecretSealed
          : undefined;
  if (input.enabled && clientSecretSealed === undefined)
    return fail(
      400,
      "validation_failed",
      input.clientSecret === undefined && current?.clientSecretSealed !== undefined
        ? "A new client id needs its client secret: send clientSecret with it."
        : "Single sign-on needs the client secret the identity provider issued.",
      { field: "json.clientSecret" },
    );
  return ok({
    enabled: input.enabled,
    issuer: input.issuer,
    clientId: input.clientId,
    ...(clientSecretSealed !== undefined ? { clientSecretSealed } : {}),
    allowedEmailDomains: input.allowedEmailDomains,
    requireVerifiedEmail: input.requireVerifiedEmail,
    ...(input.roleMapping ? { roleMapping: input.roleMapping } : {}),
    autoProvision: input.autoProvision,
    defaultRole: input.defaultRole,
  });
}

/** What `GET` shows: everything but the secret, which is only "set" or not. */
export function viewSsoConfig(stored: StoredSsoConfig): SsoConfigView {
  const { clientSecretSealed, ...rest } = stored;
  return { ...rest, clientSecretSet: clientSecretSealed !== undefined };
}

/**
 * The configuration one sign-in runs with: the secret opened here, per use, never cached.
 * @example await openSsoConfig(stored, box, { redirectUri, allowLoopback })
 */
export async function openSsoConfig(
  stored: StoredSsoConfig | undefined,
  box: SecretBox | undefined,
  where: { redirectUri: string; allowLoopback: boolean },
): Promise<Outcome<SsoRuntimeConfig>> {
  if (!stored?.enabled || stored.clientSecretSealed === undefined)
    return fail(400, "sso_disabled", "Single sign-on is not enabled for this workspace.");
  if (!box) return fail(503, "secrets_key_missing", "SECRETS_KEY is not configured on the server.");
  let clientSecret: string;
  try {
    clientSecret = await box.open(stored.clientSecretSealed);
  } catch {
    return fail(
      409,
      "sso_not_configured",
      "The stored client secret cannot be decrypted (its key was rotated out): an admin saves it again.",
    );
  }
  const { clientSecretSealed: _sealed, ...rest } = stored;
  return ok({ ...rest, clientSecret, ...where });
}
