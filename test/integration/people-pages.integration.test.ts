import { describe, expect, it } from "vitest";
import { bearer, call, jsonInit, makeWorkspace } from "../helpers/workspace";

/**
 * The members, profile and settings pages as each role gets them: a browser without a session
 * is sent to sign in; only an admin's pages carry the member controls and sign-in settings.
 */
describe("people pages", () => {
  it("sends a caller without a session to sign in", async () => {
    const ws = await makeWorkspace("people-pages");
    for (const path of ["members", "me"]) {
      const res = await call(`/w/${ws.id}/${path}`, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe(`/w/${ws.id}/login`);
    }
  });

  it("gives an admin the controls and open invitations, a viewer names only", async () => {
    const ws = await makeWorkspace("people-pages");
    const invited = await call(
      `/w/${ws.id}/api/invitations`,
      jsonInit("POST", { email: "erin@example.com", role: "viewer" }, ws.admin),
    );
    expect(invited.status).toBe(201);
    const { invitation } = (await invited.json()) as { invitation: { token: string } };
    const joined = await call(
      `/w/${ws.id}/api/invitations/accept`,
      jsonInit("POST", { token: invitation.token, name: "Erin" }),
    );
    expect(joined.status).toBe(201);
    await call(
      `/w/${ws.id}/api/invitations`,
      jsonInit("POST", { email: "frank@example.com", role: "operator" }, ws.admin),
    );

    const admin = await (await call(`/w/${ws.id}/members`, bearer(ws.admin))).text();
    expect(admin).toContain("Erin");
    expect(admin).toContain("erin@example.com");
    expect(admin).toContain('id="invite-form"');
    expect(admin).toContain("frank@example.com");
    // The secret of an open invitation is never on the page.
    expect(admin).not.toContain("odi.");

    const viewerRes = await call(`/w/${ws.id}/members`, bearer(ws.viewer));
    expect(viewerRes.status).toBe(200);
    const viewer = await viewerRes.text();
    expect(viewer).toContain("Erin");
    expect(viewer).not.toContain("erin@example.com");
    expect(viewer).not.toContain("frank@example.com");
    expect(viewer).not.toContain("<form class");
  });

  it("shows a token caller's profile without passkeys, and SSO forms to admins only", async () => {
    const ws = await makeWorkspace("people-pages");
    const me = await call(`/w/${ws.id}/me`, bearer(ws.operator));
    expect(me.status).toBe(200);
    const profile = await me.text();
    expect(profile).toContain("API token");
    expect(profile).not.toContain('id="passkeys"');

    const adminSettings = await (await call(`/w/${ws.id}/settings`, bearer(ws.admin))).text();
    expect(adminSettings).toContain('id="sso-form"');
    expect(adminSettings).toContain('id="access-form"');
    const opSettings = await (await call(`/w/${ws.id}/settings`, bearer(ws.operator))).text();
    expect(opSettings).not.toContain('id="sso-form"');
    expect(opSettings).not.toContain('id="access-form"');
  });
});
