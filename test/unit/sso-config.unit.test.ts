import { describe, expect, it } from "vitest";
import {
  mergeSsoConfig,
  openSsoConfig,
  viewSsoConfig,
} from "../../durable-objects/domain/sso-config";
import { SecretBox } from "../../durable-objects/store/secret-box";
import { bytesToBase64 } from "../../lib/base64";
import { SsoConfigInput } from "../../schema/sso";

/** The admin's SSO settings: the client secret sealed, write-only, opened per sign-in. */

const key = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
const input = (changes: Record<string, unknown> = {}) =>
  SsoConfigInput.parse({
    enabled: true,
    issuer: "https://accounts.example.com",
    clientId: "opsdeck",
    clientSecret: "s3cret-value-1",
    allowedEmailDomains: ["example.com"],
    ...changes,
  });
const where = {
  redirectUri: "https://ops.example.com/w/demo/auth/sso/callback",
  allowLoopback: false,
};

describe("SSO configuration", () => {
  it("seals the secret, never shows it, and opens it for a sign-in", async () => {
    const box = await SecretBox.from(key());
    const saved = await mergeSsoConfig(box, undefined, input(), { allowLoopback: false });
    if (!saved.ok) throw new Error(saved.detail);
    expect(JSON.stringify(saved.value)).not.toContain("s3cret-value-1");
    const view = viewSsoConfig(saved.value);
    expect(view).toMatchObject({ clientSecretSet: true, clientId: "opsdeck" });
    expect(JSON.stringify(view)).not.toContain("clientSecretSealed");
    expect(await openSsoConfig(saved.value, box, where)).toMatchObject({
      ok: true,
      value: { clientSecret: "s3cret-value-1", redirectUri: where.redirectUri },
    });
  });

  it("keeps the secret when omitted, clears it with null, and drops it for a new client id", async () => {
    const box = await SecretBox.from(key());
    const first = await mergeSsoConfig(box, undefined, input(), { allowLoopback: false });
    if (!first.ok) throw new Error(first.detail);
    const kept = await mergeSsoConfig(box, first.value, input({ clientSecret: undefined }), {
      allowLoopback: false,
    });
    expect(kept.ok && kept.value.clientSecretSealed).toBe(first.value.clientSecretSealed);
    const cleared = await mergeSsoConfig(
      box,
      first.value,
      input({ enabled: false, clientSecret: null }),
      { allowLoopback: false },
    );
    expect(cleared.ok && viewSsoConfig(cleared.value).clientSecretSet).toBe(false);
    expect(
      await mergeSsoConfig(
        box,
        first.value,
        input({ clientId: "new-client", clientSecret: undefined }),
        {
          allowLoopback: false,
        },
      ),
    ).toMatchObject({ ok: false, status: 400, field: "json.clientSecret" });
  });

  it("refuses an issuer the URL policy refuses, naming the field", async () => {
    const box = await SecretBox.from(key());
    for (const issuer of [
      "http://accounts.example.com",
      "https://169.254.169.254",
      "https://idp.internal",
    ])
      expect(
        await mergeSsoConfig(box, undefined, input({ issuer }), { allowLoopback: false }),
      ).toMatchObject({
        ok: false,
        status: 400,
        code: "url_not_allowed",
        field: "json.issuer",
      });
  });

  it("says when the secret's key was rotated out, and when SSO is off", async () => {
    const saved = await mergeSsoConfig(await SecretBox.from(key()), undefined, input(), {
      allowLoopback: false,
    });
    if (!saved.ok) throw new Error(saved.detail);
    expect(await openSsoConfig(saved.value, await SecretBox.from(key()), where)).toMatchObject({
      status: 409,
      code: "sso_not_configured",
    });
    expect(await openSsoConfig({ ...saved.value, enabled: false }, undefined, where)).toMatchObject(
      {
        code: "sso_disabled",
      },
    );
  });
});
