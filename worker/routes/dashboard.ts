import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { Metric, Settings, TimeRange } from "../../schema";
import { MAX_CHARTS, type ChartSlot } from "../../web/components/charts-panel";
import { thresholdKey } from "../../web/components/metrics";
import { DashboardPage } from "../../web/pages/dashboard";
import { LoginPage } from "../../web/pages/login";
import { renderPage } from "../../web/render";
import type { AppEnv, WorkspaceStub } from "../env";
import { clearSessionCookie, heldSessions, setSessionCookie } from "../lib/session-cookie";
import { ApiError, unwrap } from "../errors";
import { chargeLoginAttempt, loginBodyLimit, refundLoginAttempt } from "../lib/login-limit";
import { clientIp, findWorkspace } from "../lib/workspace-directory";
import { SESSION_COOKIE, authorize, workspaceOfSecret, workspaceParam } from "../middleware/auth";
import {
  CHARTS_COOKIE,
  THEME_COOKIE,
  assertSameOrigin,
  loginPath,
  rangeOf,
  safeBack,
  seenAtOf,
  signInFirst,
  themeOf,
} from "./pages-common";

/** The metrics the overview charts: the person's choice (cookie), else the first few. */
export function chosenCharts(cookie: string | undefined, metrics: Metric[]): Metric[] {
  const wanted = (cookie ?? "").split(",").filter(Boolean);
  const picked = wanted.flatMap((id) => metrics.filter((m) => m.id === id));
  return (picked.length > 0 ? picked : metrics).slice(0, MAX_CHARTS);
}

/** Chart data for the overview, read in parallel; a series that vanished is left out. */
export async function chartSlots(
  stub: WorkspaceStub,
  metrics: Metric[],
  range: TimeRange,
  thresholds: Settings["thresholds"],
): Promise<ChartSlot[]> {
  const slots = await Promise.all(
    metrics.map(async (m): Promise<ChartSlot | undefined> => {
      const points = await stub.chart(m.id, range);
      if (!points.ok) return undefined;
      const key = thresholdKey(m.id);
      return {
        metricId: m.id,
        label: m.label,
        unit: m.unit,
        range,
        points: points.value,
        threshold: key ? thresholds[key] : undefined,
      };
    }),
  );
  return slots.filter((s): s is ChartSlot => s !== undefined);
}

export const dashboardRoutes = new Hono<AppEnv>()
  .get("/", (c) => c.redirect("/w/demo"))
  .get("/w/:workspace/login", async (c) => {
    const workspace = workspaceParam(c);
    // "Sign in with SSO" when the workspace has it; an unknown one just gets the token form.
    const stub = await findWorkspace(c.env, workspace, clientIp(c.req));
    const sso = stub ? await stub.ssoEnabled() : false;
    return c.html(renderPage(LoginPage({ workspace, theme: themeOf(c), sso })));
  })
  .post("/w/:workspace/login", loginBodyLimit, async (c) => {
    const workspace = workspaceParam(c);
    const origin = c.req.header("Origin");
    if (origin && origin !== new URL(c.req.url).origin)
      throw new ApiError(403, "csrf_rejected", "Cross-site sign-in refused.");
    const page = (error: string, status: 401 | 429, headers?: Record<string, string>) =>
      c.html(renderPage(LoginPage({ workspace, theme: themeOf(c), error })), status, headers);
    const failed = () => page("That token is not valid for this workspace.", 401);
    const limited = (seconds: number) =>
      page(`Too many sign-in attempts: try again in ${seconds} s.`, 429, {
        "Retry-After": String(seconds),
      });
    // The same order as POST api/session: the address's allowance, the token's shape, the
    // directory (an unknown workspace fails exactly as a wrong token), and only then the object.
    const client = clientIp(c.req);
    try {
      chargeLoginAttempt(client);
    } catch (error) {
      if (error instanceof ApiError && error.status === 429)
        return limited(Number(error.headers?.["Retry-After"] ?? 1));
      throw error;
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token.trim() : "";
    if (workspaceOfSecret(token) !== workspace) return failed();
    const stub = await findWorkspace(c.env, workspace, client);
    if (!stub) return failed();
    let opened: { session: string; expiresAt: string };
    try {
      opened = unwrap(await stub.openSession(token, client, getCookie(c, SESSION_COOKIE)));
      refundLoginAttempt(client);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return error.status === 429 ? limited(Number(error.headers?.["Retry-After"] ?? 1)) : failed();
    }
    setSessionCookie(c, workspace, opened.session, opened.expiresAt);
    return c.redirect(`/w/${workspace}`, 303);
  })
  // A plain form post, so signing out works without JavaScript; `authorize` applies the
  // same-origin (CSRF) check to cookie-authenticated writes.
  .post("/w/:workspace/logout", authorize("viewer"), async (c) => {
    const workspace = c.var.workspace.id;
    for (const session of heldSessions(c))
      await c.var.workspace.stub.closeSession(c.var.principal, session);
    clearSessionCookie(c, workspace);
    return c.redirect(loginPath(workspace), 303);
  })
  // The theme toggle without JavaScript: the preference lives in a cookie the server reads,
  // so every page is painted in the right theme from its first byte (no flash).
  .post("/theme", async (c) => {
    assertSameOrigin(c);
    const form = await c.req.parseBody();
    const theme = form.theme === "dark" || form.theme === "light" ? form.theme : undefined;
    if (theme)
      c.header("Set-Cookie", `${THEME_COOKIE}=${theme}; Path=/; Max-Age=31536000; SameSite=Lax`);
    return c.redirect(safeBack(form.back, "/"), 303);
  })
  // Refresh without JavaScript; the page's script calls `api/refresh` instead.
  .post("/w/:workspace/refresh", authorize("operator"), async (c) => {
    await c.var.workspace.stub.refresh(c.var.principal);
    return c.redirect(`/w/${c.var.workspace.id}`, 303);
  })
  .get("/w/:workspace", signInFirst(), async (c) => {
    const stub = c.var.workspace.stub;
    const range = rangeOf(c);
    const [snapshot, settings] = await Promise.all([stub.snapshot(), stub.getSettings()]);
    // The snapshot's cards measure change over the hour; another range asks again.
    if (range !== "1h") snapshot.metrics = await stub.listMetrics(range);
    const charts = await chartSlots(
      stub,
      chosenCharts(getCookie(c, CHARTS_COOKIE), snapshot.metrics),
      range,
      settings.thresholds,
    );
    c.header("Cache-Control", "no-store");
    return c.html(
      renderPage(
        DashboardPage({
          snapshot,
          principal: c.var.principal,
          now: Date.now(),
          range,
          charts,
          theme: themeOf(c),
          seenAt: seenAtOf(c),
        }),
      ),
    );
  });
