import type { Context } from "hono";
import type { RelyingParty } from "../../schema";
import type { AppEnv } from "../env";

/**
 * The WebAuthn relying party for this request, from configuration: `WEBAUTHN_ORIGINS`
 * (comma-separated page origins), `WEBAUTHN_RP_ID` and `WEBAUTHN_RP_NAME`. Unset origins
 * fall back to `PUBLIC_URL`'s origin, then to the request's own (local development); an unset
 * id is the first origin's host name. A ceremony from any other origin is refused.
 */
export function relyingParty(c: Context<AppEnv>): RelyingParty {
  const env = c.env;
  const configured = (env.WEBAUTHN_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter((o) => o.length > 0);
  const origins =
    configured.length > 0
      ? configured
      : [env.PUBLIC_URL ? new URL(env.PUBLIC_URL).origin : new URL(c.req.url).origin];
  return {
    id: env.WEBAUTHN_RP_ID || new URL(origins[0]!).hostname,
    name: env.WEBAUTHN_RP_NAME || "Opsdeck",
    origins,
  };
}
