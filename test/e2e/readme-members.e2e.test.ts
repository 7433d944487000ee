// The README's "Members and sign-in" examples, run as written through real bash and curl (with
// its cookie jar) against the one `wrangler dev`: an admin token invites, the invitee accepts
// and is signed in as themselves over plain http on 127.0.0.1.
import { describe, expect, inject, it } from "vitest";
import type { IssuedInvitation, Me } from "../../schema";
import { snippet } from "../helpers/readme-snippets";
import { createWorkspace } from "./helpers/browser";
import { printedJson, runShellSnippet } from "./helpers/snippet-shell";

const baseUrl = inject("baseUrl");
const operatorToken = inject("operatorToken");

describe("README: members and sign-in", () => {
  it("invites with an admin token, accepts with curl, and is signed in as the member", async () => {
    const ws = await createWorkspace(baseUrl, operatorToken, "readme-members");
    const common = { OPSDECK_URL: baseUrl, WORKSPACE: ws.id };
    const invited = await runShellSnippet(snippet("members-invite", "sh"), {
      ...common,
      ADMIN_TOKEN: ws.admin,
    });
    const { invitation } = printedJson<{ invitation: IssuedInvitation }>(invited);
    expect(invitation).toMatchObject({ email: "alice@example.com", role: "admin" });
    expect(invitation.link).toBe(
      `${baseUrl}/w/${ws.id}/join?invitation=${encodeURIComponent(invitation.token)}`,
    );

    const accepted = await runShellSnippet(snippet("members-accept", "sh"), {
      ...common,
      INVITATION: invitation.token,
    });
    const me = printedJson<Me>(accepted);
    expect(me).toMatchObject({
      actor: { kind: "member", name: "Alice" },
      role: "admin",
      member: { email: "alice@example.com", name: "Alice" },
      credentials: [],
    });
  });
});
