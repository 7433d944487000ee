import { Hono } from "hono";
import { SettingsPage } from "../../web/pages/settings";
import { can } from "../../web/components/roles";
import { renderPage } from "../../web/render";
import type { AppEnv } from "../env";
import { signInFirst, themeOf } from "./pages-common";

/** Settings: every role may read them (secrets only as set/not set); admins get the forms. */
export const settingsPageRoutes = new Hono<AppEnv>().get(
  "/w/:workspace/settings",
  signInFirst(),
  async (c) => {
    const stub = c.var.workspace.stub;
    const admin = can(c.var.principal.role, "admin");
    const [sso, access] = admin
      ? await Promise.all([stub.ssoConfig(), stub.accessConfig()])
      : [undefined, undefined];
    const [settings, intervals, networks, rules, webhooks, github, aws, notifications, prometheus] =
      await Promise.all([
        stub.getSettings(),
        stub.getIntervals(),
        stub.listNetworks(),
        stub.listAlertRules({}),
        admin ? stub.listWebhookIntegrations() : undefined,
        admin ? stub.getGithubIntegration() : undefined,
        admin ? stub.getAwsIntegration() : undefined,
        stub.getNotifications(),
        stub.getPrometheusIntegration(),
      ]);
    c.header("Cache-Control", "no-store");
    return c.html(
      renderPage(
        SettingsPage({
          workspace: c.var.workspace.id,
          principal: c.var.principal,
          theme: themeOf(c),
          data: {
            settings,
            intervals,
            networks,
            rules,
            webhooks,
            github,
            aws,
            notifications,
            prometheus,
            sso,
            access,
          },
          now: Date.now(),
        }),
      ),
    );
  },
);
