import type { Role } from "../../../schema";
import type { AccessSettings, SsoConfigView } from "../../../schema/sso";
import { ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { html } from "../../html";
import { Check, SecretField } from "./fields";

const ROLES: Role[] = ["viewer", "operator", "admin"];

/** The role mapping's claim values as the textarea shows them: one `value = role` a line. */
const pairsText = (values: Record<string, Role> | undefined) =>
  Object.entries(values ?? {})
    .map(([value, role]) => `${value} = ${role}`)
    .join("\n");

/**
 * Single sign-on (OpenID Connect) for admins, saved with `PUT api/integrations/sso`. The
 * client secret is write-only (set or not); the issuer is checked when saved, and a refusal
 * (`json.issuer`) is shown under its field like every other field error.
 */
export function SsoSection(props: { workspace: string; sso: SsoConfigView | null }) {
  const s = props.sso;
  return html`<section id="sso">
    <h3>Single sign-on (OpenID Connect)</h3>
    <${ActionForm}
      id="sso-form"
      url=${paths(props.workspace).api("integrations/sso")}
      method="PUT"
      done="Single sign-on saved."
      submit="Save single sign-on"
      after="reload"
    >
      <${Check} id="sso-enabled" name="enabled" label="Enabled" checked=${s?.enabled ?? false} />
      <div class="field">
        <label for="sso-issuer">Issuer URL</label>
        <input id="sso-issuer" name="issuer" type="url" required value=${s?.issuer ?? ""} />
      </div>
      <div class="field">
        <label for="sso-client">Client id</label>
        <input id="sso-client" name="clientId" required value=${s?.clientId ?? ""} />
      </div>
      <${SecretField}
        id="sso-secret"
        name="clientSecret"
        label="Client secret"
        set=${s?.clientSecretSet ?? false}
      />
      <div class="field">
        <label for="sso-domains">Allowed e-mail domains (separated by commas or spaces)</label>
        <input
          id="sso-domains"
          name="allowedEmailDomains"
          data-type="list"
          required
          value=${(s?.allowedEmailDomains ?? []).join(", ")}
        />
      </div>
      <${Check}
        id="sso-verified"
        name="requireVerifiedEmail"
        label="Require a verified e-mail address (email_verified)"
        checked=${s?.requireVerifiedEmail ?? true}
      />
      <fieldset>
        <legend>Role from a claim (optional)</legend>
        <div class="field">
          <label for="sso-claim">Claim name (e.g. groups)</label>
          <input id="sso-claim" name="roleMapping.claim" value=${s?.roleMapping?.claim ?? ""} />
        </div>
        <div class="field">
          <label for="sso-values">Claim values, one "value = role" a line</label>
          <textarea
            id="sso-values"
            name="roleMapping.values"
            data-type="pairs"
            rows="3"
            value=${pairsText(s?.roleMapping?.values)}
          ></textarea>
        </div>
        <div class="inline">
          <input
            type="checkbox"
            id="sso-no-mapping"
            data-clears="roleMapping"
            checked=${!s?.roleMapping}
          />
          <label for="sso-no-mapping">No role mapping</label>
        </div>
      </fieldset>
      <${Check}
        id="sso-provision"
        name="autoProvision"
        label="Create a member at first sign-in (else only invited people sign in)"
        checked=${s?.autoProvision ?? false}
      />
      <div class="field">
        <label for="sso-default-role">Role of a member created at sign-in</label>
        <select id="sso-default-role" name="defaultRole">
          ${ROLES.map(
            (r) =>
              html`<option value=${r} selected=${r === (s?.defaultRole ?? "viewer")}>${r}</option>`,
          )}
        </select>
      </div>
    <//>
  </section>`;
}

/** Cloudflare Access for admins: team domain and AUD tag (`PUT api/integrations/access`). */
export function AccessSection(props: { workspace: string; access: AccessSettings | null }) {
  const a = props.access;
  return html`<section id="access">
    <h3>Cloudflare Access</h3>
    <${ActionForm}
      id="access-form"
      url=${paths(props.workspace).api("integrations/access")}
      method="PUT"
      done="Cloudflare Access saved."
      submit="Save Cloudflare Access"
      after="reload"
    >
      <${Check} id="access-enabled" name="enabled" label="Enabled" checked=${a?.enabled ?? false} />
      <div class="field">
        <label for="access-team">Team domain (acme.cloudflareaccess.com)</label>
        <input id="access-team" name="teamDomain" required value=${a?.teamDomain ?? ""} />
      </div>
      <div class="field">
        <label for="access-aud">Application AUD tag</label>
        <input id="access-aud" name="audience" required class="mono" value=${a?.audience ?? ""} />
      </div>
    <//>
  </section>`;
}
