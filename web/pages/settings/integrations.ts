import type { AwsIntegration, GithubIntegrationView } from "../../../schema";
import { ActionForm } from "../../components/menu";
import { paths } from "../../components/paths";
import { html } from "../../html";
import { Check, SecretField } from "./fields";

const AWS_SERVICES = ["ec2", "rds", "cloudwatch", "s3", "lambda"] as const;

/** GitHub collection and actions: owner, repositories, API URL, token (write-only). */
export function GithubForm(props: { workspace: string; github: GithubIntegrationView }) {
  const g = props.github;
  return html`<p class="meta">
      ${
        g.collecting
          ? "Collecting deployments, runs and security alerts."
          : "Not collecting: it needs to be enabled, a token and at least one repository."
      }
    </p>
    <${ActionForm}
      url=${paths(props.workspace).api("integrations/github")}
      method="PUT"
      done="GitHub saved."
      submit="Save GitHub"
    >
      <${Check} id="gh-enabled" name="enabled" label="Enabled" checked=${g.enabled} />
      <${SecretField} id="gh-token" name="token" label="Token" set=${g.tokenSet} />
      <div class="field">
        <label for="gh-owner">Owner (user or organisation)</label>
        <input id="gh-owner" name="owner" required value=${g.owner ?? ""} />
      </div>
      <div class="field">
        <label for="gh-repos">Repositories (names, separated by commas)</label>
        <input
          id="gh-repos"
          name="repositories"
          data-type="list"
          required
          value=${g.repositories.join(", ")}
        />
      </div>
      <div class="field">
        <label for="gh-api">API URL (GitHub Enterprise Server)</label>
        <input id="gh-api" name="apiUrl" type="url" placeholder=${g.apiUrl} />
      </div>
    <//>`;
}

/** AWS: keys (write-only), regions and services: the grid's Add Service and Configure Regions. */
export function AwsForm(props: { workspace: string; aws: AwsIntegration }) {
  const a = props.aws;
  return html`<${ActionForm}
    url=${paths(props.workspace).api("integrations/aws")}
    method="PUT"
    done="AWS saved."
    submit="Save AWS"
  >
    <${Check} id="aws-enabled" name="enabled" label="Enabled" checked=${a.enabled} />
    <${SecretField} id="aws-access" name="accessKey" label="Access key id" set=${a.accessKeySet} />
    <${SecretField}
      id="aws-secret"
      name="secretKey"
      label="Secret access key"
      set=${a.secretKeySet}
    />
    <div class="field" id="aws-regions">
      <label for="aws-region-list">Regions (separated by commas)</label>
      <input
        id="aws-region-list"
        name="regions"
        data-type="list"
        required
        value=${a.regions.join(", ")}
      />
    </div>
    <fieldset>
      <legend>Services</legend>
      ${AWS_SERVICES.map(
        (svc) =>
          html`<div class="inline">
            <input
              type="checkbox"
              id=${`aws-svc-${svc}`}
              name="services"
              value=${svc}
              data-list=""
              checked=${a.services.includes(svc)}
            />
            <label for=${`aws-svc-${svc}`}>${svc.toUpperCase()}</label>
          </div>`,
      )}
    </fieldset>
  <//>`;
}
