import { Hono } from "hono";
import { MembersView } from "../../web/pages/members";
import { ProfileView } from "../../web/pages/profile";
import type { AppEnv } from "../env";
import { presentedSession } from "../lib/session-cookie";
import { sendDetail, signInFirst } from "./pages-common";

/** The members and profile pages' own client: invitations, live list, passkey ceremonies. */
const PEOPLE_JS = ["/assets/people.js"];

/**
 * The members page every actor link points at, and each person's profile. Names and roles for
 * everyone signed in (they appear on every acknowledgement anyway); addresses, last-seen
 * times, the controls and open invitations for admins only.
 */
export const memberPageRoutes = new Hono<AppEnv>()
  .get("/w/:workspace/members", signInFirst(), async (c) => {
    const role = c.var.principal.role;
    const { stub, id: workspace } = c.var.workspace;
    const all = await stub.listMembers();
    const members =
      role === "admin"
        ? all
        : all.map(({ id, name, role: r, disabledAt }) => ({
            id,
            name,
            role: r,
            ...(disabledAt ? { disabledAt } : {}),
          }));
    const invitations = role === "admin" ? await stub.listInvitations() : undefined;
    const view = MembersView({ members, role, now: Date.now(), workspace, invitations });
    return sendDetail(c, "Members", view, 200, PEOPLE_JS);
  })
  .get("/w/:workspace/me", signInFirst(), async (c) => {
    const { stub, id: workspace } = c.var.workspace;
    const principal = c.var.principal;
    const me = await stub.me(principal);
    // A token caller has no member: no passkeys or sessions to list.
    const passkeys = me.member ? await stub.myPasskeys(principal) : undefined;
    const secret = c.var.credentialKind === "session" ? presentedSession(c) : undefined;
    const sessions = me.member ? await stub.mySessions(principal, secret) : undefined;
    const view = ProfileView({
      workspace,
      me,
      passkeys: passkeys?.ok ? passkeys.value : [],
      sessions: sessions?.ok ? sessions.value : [],
      now: Date.now(),
    });
    return sendDetail(c, "Profile", view, 200, PEOPLE_JS);
  });
