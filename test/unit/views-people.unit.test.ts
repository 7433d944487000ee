import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Invitation, Member, Me } from "../../schema";
import { MembersView } from "../../web/pages/members";
import { ProfileView } from "../../web/pages/profile";
import { SsoSection } from "../../web/pages/settings/sso";

const NOW = Date.parse("2026-11-20T12:00:00.000Z");
const at = new Date(NOW - 60_000).toISOString();
const XSS = "<script>alert(1)</script>";

const member = (id: string, name: string, role: Member["role"]): Member => ({
  id,
  email: `${id}@example.com`,
  name,
  role,
  createdAt: at,
  lastSeenAt: at,
});

const invitation: Invitation = {
  id: "inv1",
  email: "new@example.com",
  role: "operator",
  createdAt: at,
  createdBy: { kind: "token", tokenId: "t1", name: "admin" },
  expiresAt: new Date(NOW + 7 * 86_400_000).toISOString(),
};

describe("members page", () => {
  const members = [member("m1", "Alice", "admin"), member("m2", XSS, "operator")];

  it("gives an admin the controls, the invitation form and open invitations", () => {
    const out = render(
      MembersView({
        members,
        role: "admin",
        now: NOW,
        workspace: "demo",
        invitations: [invitation],
      }),
    );
    expect(out).toContain('id="invite-form"');
    expect(out).toContain('data-api="/w/demo/api/members/m2"');
    expect(out).toContain('data-api="/w/demo/api/invitations/inv1"');
    expect(out).toContain("new@example.com");
    expect(out).toContain("m1@example.com");
    // Names are text, never markup.
    expect(out).not.toContain(XSS);
  });

  it("gives a viewer names and roles only: no form, no address", () => {
    const out = render(
      MembersView({
        members: members.map(({ id, name, role }) => ({ id, name, role })),
        role: "viewer",
        now: NOW,
        workspace: "demo",
      }),
    );
    expect(out).toContain("Alice");
    expect(out).not.toContain("<form");
    expect(out).not.toContain("@example.com");
  });
});

describe("profile page", () => {
  it("shows a token caller its actor and role, with no passkeys or sessions", () => {
    const me: Me = { actor: { kind: "token", tokenId: "t1", name: "ci" }, role: "operator" };
    const out = render(
      ProfileView({ workspace: "demo", me, passkeys: [], sessions: [], now: NOW }),
    );
    expect(out).toContain("ci");
    expect(out).toContain("API token");
    expect(out).not.toContain('id="passkeys"');
    expect(out).not.toContain("Sign out everywhere");
  });
});

describe("single sign-on settings", () => {
  it("shows the client secret only as set and the role mapping as lines", () => {
    const out = render(
      SsoSection({
        workspace: "demo",
        sso: {
          enabled: true,
          issuer: "https://idp.example.com",
          clientId: "opsdeck",
          clientSecretSet: true,
          allowedEmailDomains: ["example.com"],
          requireVerifiedEmail: true,
          roleMapping: { claim: "groups", values: { "ops-admins": "admin" } },
          autoProvision: false,
          defaultRole: "viewer",
        },
      }),
    );
    expect(out).toContain("(set)");
    expect(out).toContain("ops-admins = admin");
    expect(out).toContain('value="example.com"');
  });
});
