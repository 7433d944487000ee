import type {
  AlertRule,
  AwsIntegration,
  CollectionIntervals,
  GithubIntegrationView,
  NetworkView,
  NotificationsView,
  Principal,
  PrometheusIntegration,
  Settings,
  WebhookIntegration,
} from "../../schema";
import type { AccessSettings, SsoConfigView } from "../../schema/sso";
import { AlertRuleTable } from "../components/alert-rules";
import { ActionForm } from "../components/menu";
import { paths } from "../components/paths";
import { can } from "../components/roles";
import type { Theme } from "../components/topbar";
import { html } from "../html";
import { DetailPage } from "./detail";
import { ChannelTable, EmailUnavailable } from "./settings-notifications";
import { CollectionSection } from "./settings/collection";
import { Check, Number_, SecretField } from "./settings/fields";
import { AwsForm, GithubForm } from "./settings/integrations";
import { NetworksSection } from "./settings/networks";
import { PrometheusSection } from "./settings/prometheus";
import { SendersSection } from "./settings/senders";
import { AccessSection, SsoSection } from "./settings/sso";

export type SettingsData = {
  /** The integrations' own views, read by admins only (they carry owner, regions…). */
  github?: GithubIntegrationView;
  aws?: AwsIntegration;
  /** The Prometheus source (every role reads it; no credential in it). */
  prometheus?: PrometheusIntegration;
  settings: Settings;
  intervals: CollectionIntervals;
  networks: NetworkView[];
  /** Every alert rule of the workspace (all roles read them). */
  rules?: AlertRule[];
  /** Only admins may list webhook integrations. */
  webhooks?: WebhookIntegration[];
  notifications: NotificationsView;
  /** Sign-in settings, read for admins only (only they see the forms). */
  sso?: SsoConfigView | null;
  access?: AccessSettings | null;
};

/** Settings: notifications, thresholds, integrations (secrets write-only), collection. */
export function SettingsPage(props: {
  workspace: string;
  principal: Principal;
  theme?: Theme;
  data: SettingsData;
  now: number;
}) {
  const p = paths(props.workspace);
  const admin = can(props.principal.role, "admin");
  const { settings: s, intervals, networks } = props.data;
  const i = s.integrations;
  const save = (children: unknown, submit = "Save") =>
    admin
      ? html`<${ActionForm} url=${p.api("settings")} method="PUT" done="Saved." submit=${submit}
          >${children}<//
        >`
      : html`<fieldset disabled>${children}</fieldset>
          <p class="meta">Only an admin can change these.</p>`;
  return html`<${DetailPage}
    title="Settings"
    workspace=${props.workspace}
    principal=${props.principal}
    theme=${props.theme}
  >
    <article class="settings">
      <div class="detail-head"><h2 id="detail-title">Settings</h2></div>

      <section id="notifications">
        <h3>Notifications</h3>
        <${ChannelTable}
          workspace=${props.workspace}
          view=${props.data.notifications}
          admin=${admin}
          now=${props.now}
        />
        ${save(html`
          <${EmailUnavailable} checked=${s.notifications.email} />
          <${Check}
            id="n-slack"
            name="notifications.slack"
            label="Slack"
            checked=${s.notifications.slack}
          />
          <${Check}
            id="n-webhook"
            name="notifications.webhook"
            label="Webhook"
            checked=${s.notifications.webhook}
          />
          <div class="field">
            <label for="n-min">Least severity notified (alerts)</label>
            <select id="n-min" name="notifications.minSeverity">
              ${(["info", "warning", "error", "critical"] as const).map(
                (sev) =>
                  html`<option value=${sev} selected=${s.notifications.minSeverity === sev}>
                    ${sev}
                  </option>`,
              )}
            </select>
          </div>
        `)}
      </section>

      <section id="thresholds">
        <h3>Thresholds</h3>
        <p class="meta">
          cpu, memory and disk metrics turn warning 10 points below and critical at these
          percentages.
        </p>
        ${save(html`
          <${Number_}
            id="t-cpu"
            name="thresholds.cpu"
            label="CPU (%)"
            value=${s.thresholds.cpu}
            min=${0}
            max=${100}
          />
          <${Number_}
            id="t-memory"
            name="thresholds.memory"
            label="Memory (%)"
            value=${s.thresholds.memory}
            min=${0}
            max=${100}
          />
          <${Number_}
            id="t-disk"
            name="thresholds.disk"
            label="Disk (%)"
            value=${s.thresholds.disk}
            min=${0}
            max=${100}
          />
        `)}
      </section>

      <section id="alert-rules">
        <h3>Alert rules</h3>
        <p class="meta">
          Threshold rules on any metric; add one from a metric card's menu (Set Alert).
        </p>
        ${
          !props.data.rules?.length
            ? html`<p class="meta">No alert rule is set.</p>`
            : html`<${AlertRuleTable}
                workspace=${props.workspace}
                rules=${props.data.rules}
                role=${props.principal.role}
                showMetric=${true}
                after="reload"
              />`
        }
      </section>

      <section id="github">
        <h3>GitHub</h3>
        ${
          props.data.github
            ? html`<${GithubForm} workspace=${props.workspace} github=${props.data.github} />`
            : save(html`
                <${Check}
                  id="gh-enabled"
                  name="integrations.github.enabled"
                  label="Enabled"
                  checked=${i.github.enabled}
                />
                <${SecretField}
                  id="gh-token"
                  name="integrations.github.token"
                  label="Token"
                  set=${i.github.tokenSet}
                />
              `)
        }
      </section>

      <section id="aws">
        <h3>AWS</h3>
        ${
          props.data.aws
            ? html`<${AwsForm} workspace=${props.workspace} aws=${props.data.aws} />`
            : save(html`
                <${Check}
                  id="aws-enabled"
                  name="integrations.aws.enabled"
                  label="Enabled"
                  checked=${i.aws.enabled}
                />
                <${SecretField}
                  id="aws-access"
                  name="integrations.aws.accessKey"
                  label="Access key id"
                  set=${i.aws.accessKeySet}
                />
                <${SecretField}
                  id="aws-secret"
                  name="integrations.aws.secretKey"
                  label="Secret access key"
                  set=${i.aws.secretKeySet}
                />
              `)
        }
      </section>

      <${PrometheusSection}
        workspace=${props.workspace}
        prometheus=${props.data.prometheus}
        admin=${admin}
      />

      <section id="slack">
        <h3>Slack</h3>
        ${save(html`
          <${Check}
            id="sl-enabled"
            name="integrations.slack.enabled"
            label="Enabled"
            checked=${i.slack.enabled}
          />
          <${SecretField}
            id="sl-url"
            name="integrations.slack.webhookUrl"
            label="Incoming webhook URL"
            set=${i.slack.webhookUrlSet}
          />
        `)}
      </section>

      <section id="outbound-webhook">
        <h3>Signed webhook</h3>
        <p class="meta">
          Opsdeck POSTs each event as JSON signed per Standard Webhooks (webhook-id,
          webhook-timestamp, webhook-signature).
          ${i.webhook.urlHost ? html` Sends to <code>${i.webhook.urlHost}</code>.` : null}
        </p>
        ${save(html`
          <${Check}
            id="wh-out-enabled"
            name="integrations.webhook.enabled"
            label="Enabled"
            checked=${i.webhook.enabled}
          />
          <${SecretField}
            id="wh-out-url"
            name="integrations.webhook.url"
            label="URL (https)"
            set=${i.webhook.urlSet}
          />
          <${SecretField}
            id="wh-out-secret"
            name="integrations.webhook.secret"
            label="Signing secret (whsec_…)"
            set=${i.webhook.secretSet}
          />
        `)}
      </section>

      <${SendersSection}
        workspace=${props.workspace}
        webhooks=${props.data.webhooks}
        now=${props.now}
      />
      <${NetworksSection} workspace=${props.workspace} networks=${networks} admin=${admin} />
      <${CollectionSection} workspace=${props.workspace} intervals=${intervals} admin=${admin} />
      ${
        admin
          ? html`<${SsoSection} workspace=${props.workspace} sso=${props.data.sso ?? null} />
              <${AccessSection} workspace=${props.workspace} access=${props.data.access ?? null} />`
          : null
      }
    </article>
  <//>`;
}
