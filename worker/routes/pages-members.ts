import { Hono } from "hono";
import { MembersView } from "../../web/pages/members";
import type { AppEnv } from "../env";
import { sendDetail, signInFirst } from "./pages-common";

/**
 * The members page every actor link points at. Names and roles for everyone signed in (they
 * appear on every acknowledgement anyway); addresses and last-seen times for admins only.
 */
export const memberPageRoutes = new Hono<AppEnv>().get(
  "/w/:workspace/members",
  signInFirst(),
  async (c) => {
    const role = c.var.principal.role;
    const all = await c.var.workspace.stub.listMembers();
    const members =
      role === "admin"
        ? all
        : all.map(({ id, name, role: r, disabledAt }) => ({
            id,
            name,
            role: r,
            ...(disabledAt ? { disabledAt } : {}),
          }));
    return sendDetail(c, "Members", MembersView({ members, role, now: Date.now() }));
  },
);
