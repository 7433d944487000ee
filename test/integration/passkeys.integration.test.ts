// Passkey API against the real Worker and object storage: malformed responses, unknown,
// expired and reused challenges, cross-site ceremonies, the challenge bound, and who may
// manage passkeys. The ceremonies that verify (a real authenticator's signatures) run in
// Chromium with a virtual authenticator (test/e2e/ui-passkeys.e2e.test.ts).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { PASSKEY_CHALLENGES_MAX, type PasskeyOptions } from "../../schema";
import { browser, browserJson, countRows, invite, joinAs } from "../helpers/members";
import {
  BASE,
  bearer,
  call,
  expectProblem,
  makeWorkspace,
  type TestWorkspace,
} from "../helpers/workspace";

vi.setConfig({ testTimeout: 20_000 });

const api = (ws: TestWorkspace, path: string) => `/w/${ws.id}/api/${path}`;

/** A request from the Opsdeck page, from its own client address (sign-in limits are per address). */
const page = (body: unknown, ip: string = crypto.randomUUID(), origin = BASE): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", Origin: origin, "CF-Connecting-IP": ip },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

const b64u = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Well-formed, but signed by no one: the shape passes, the verification cannot. */
const forgedAssertion = (challenge: string) => ({
  id: "AAAA",
  rawId: "AAAA",
  type: "public-key",
  response: {
    clientDataJSON: b64u(
      JSON.stringify({ type: "webauthn.get", challenge, origin: BASE, crossOrigin: false }),
    ),
    authenticatorData: b64u("x".repeat(37)),
    signature: b64u("not a signature"),
  },
  clientExtensionResults: {},
});

async function signInOptions(ws: TestWorkspace, ip?: string): Promise<PasskeyOptions> {
  const res = await call(api(ws, "passkeys/sign-in/options"), page({}, ip));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as PasskeyOptions;
}

const challengeRows = (ws: TestWorkspace) =>
  runInDurableObject(
    ws.stub,
    (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM passkey_challenges").one().n,
  );

describe("passkey sign-in: bad input", () => {
  it("gives options for a discoverable credential of this relying party", async () => {
    const ws = await makeWorkspace("pk");
    const { challengeId, options } = await signInOptions(ws);
    expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(options).toMatchObject({ rpId: "opsdeck.test", userVerification: "preferred" });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(await challengeRows(ws)).toBe(1);
  });

  it("refuses malformed bodies with 400 validation_failed, and oversize ones with 413", async () => {
    const ws = await makeWorkspace("pk");
    const { challengeId } = await signInOptions(ws);
    const notJson = await call(api(ws, "passkeys/sign-in"), page("{not json"));
    await expectProblem(notJson, 400, "invalid_json");
    for (const body of [
      {},
      { challengeId },
      { challengeId, response: { id: "AAAA" } },
      { challengeId, response: { ...forgedAssertion("x"), type: "password" } },
      { challengeId, response: { ...forgedAssertion("x"), id: "not base64url!" } },
      { challengeId: "bad id with spaces", response: forgedAssertion("x") },
    ]) {
      const res = await call(api(ws, "passkeys/sign-in"), page(body));
      await expectProblem(res, 400, "validation_failed");
    }
    const huge = { challengeId, response: forgedAssertion("x".repeat(20_000)) };
    expect((await call(api(ws, "passkeys/sign-in"), page(huge))).status).toBe(413);
    expect(await countRows(ws, "member_sessions")).toBe(0);
  });

  it("an unknown, forged, reused or expired challenge all get the same 401, and store nothing", async () => {
    const ws = await makeWorkspace("pk");
    const unknown = { challengeId: crypto.randomUUID(), response: forgedAssertion("x") };
    const first = await call(api(ws, "passkeys/sign-in"), page(unknown));
    const firstBody = (await first.clone().json()) as { detail: string };
    await expectProblem(first, 401, "passkey_invalid");

    const { challengeId, options } = await signInOptions(ws);
    const forged = { challengeId, response: forgedAssertion(String(options.challenge)) };
    await expectProblem(
      await call(api(ws, "passkeys/sign-in"), page(forged)),
      401,
      "passkey_invalid",
    );
    // The challenge was spent by the first answer, right or wrong.
    expect(await challengeRows(ws)).toBe(0);
    const reused = await call(api(ws, "passkeys/sign-in"), page(forged));
    expect(((await reused.clone().json()) as { detail: string }).detail).toBe(firstBody.detail);
    await expectProblem(reused, 401, "passkey_invalid");

    const late = await signInOptions(ws);
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec("UPDATE passkey_challenges SET expires_at = ?", Date.now() - 1);
    });
    const expired = { challengeId: late.challengeId, response: forgedAssertion("x") };
    await expectProblem(
      await call(api(ws, "passkeys/sign-in"), page(expired)),
      401,
      "passkey_invalid",
    );
    expect(await countRows(ws, "member_sessions")).toBe(0);
  });

  it("refuses a ceremony from another site (403 csrf_rejected)", async () => {
    const ws = await makeWorkspace("pk");
    const evil = page({}, undefined, "https://evil.example");
    await expectProblem(
      await call(api(ws, "passkeys/sign-in/options"), evil),
      403,
      "csrf_rejected",
    );
    expect(await challengeRows(ws)).toBe(0);
  });

  it(`keeps at most ${PASSKEY_CHALLENGES_MAX} open challenges; expired ones make room`, async () => {
    const ws = await makeWorkspace("pk");
    await runInDurableObject(ws.stub, (_i, state) => {
      for (let i = 0; i < PASSKEY_CHALLENGES_MAX; i++)
        state.storage.sql.exec(
          "INSERT INTO passkey_challenges (id, challenge, purpose, expires_at) VALUES (?, 'c', 'sign-in', ?)",
          `c${i}`,
          Date.now() + 60_000,
        );
    });
    const full = await call(api(ws, "passkeys/sign-in/options"), page({}));
    await expectProblem(full, 429, "rate_limited");
    await runInDurableObject(ws.stub, (_i, state) => {
      state.storage.sql.exec("UPDATE passkey_challenges SET expires_at = 0 WHERE id = 'c0'");
    });
    await signInOptions(ws);
    expect(await challengeRows(ws)).toBe(PASSKEY_CHALLENGES_MAX);
  });

  it("the hourly retention task removes unanswered challenges past their expiry", async () => {
    const ws = await makeWorkspace("pk");
    await signInOptions(ws);
    await signInOptions(ws);
    await runInDurableObject(ws.stub, async (_i, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "UPDATE passkey_challenges SET expires_at = ? WHERE rowid = (SELECT MIN(rowid) FROM passkey_challenges)",
        Date.now() - 1,
      );
      sql.exec(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('alarm:retention', ?)",
        String(Date.now() - 1),
      );
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(ws.stub)).toBe(true);
    expect(await challengeRows(ws)).toBe(1);
  });

  it("sign-in attempts are charged to the address's sign-in allowance (429 with Retry-After)", async () => {
    const ws = await makeWorkspace("pk");
    const ip = crypto.randomUUID();
    let limited: Response | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await call(api(ws, "passkeys/sign-in/options"), page({}, ip));
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get("Retry-After")).toMatch(/^\d+$/);
  });
});

describe("joining with a passkey: bad input", () => {
  it("options need a live invitation of this workspace, and leave it unused", async () => {
    const ws = await makeWorkspace("pk");
    const other = await makeWorkspace("pk");
    const foreign = await invite(other, "viewer");
    const path = api(ws, "invitations/accept/passkey-options");
    const bad = await call(path, page({ token: foreign.token, name: "Mallory" }));
    await expectProblem(bad, 410, "invitation_invalid");
    const invitation = await invite(ws, "operator");
    await expectProblem(
      await call(path, page({ token: invitation.token, name: "" })),
      400,
      "validation_failed",
    );
    const res = await call(path, page({ token: invitation.token, name: "Olive" }));
    expect(res.status).toBe(200);
    const { challengeId, options } = (await res.json()) as PasskeyOptions;
    expect(options).toMatchObject({
      rp: { id: "opsdeck.test", name: "Opsdeck" },
      user: { name: invitation.email, displayName: "Olive" },
      authenticatorSelection: { residentKey: "required" },
    });
    // An unverifiable registration: 401, and the invitation, members and sessions untouched.
    const registration = {
      id: "AAAA",
      rawId: "AAAA",
      type: "public-key",
      response: { clientDataJSON: b64u("{}"), attestationObject: b64u("nope") },
      clientExtensionResults: {},
    };
    const join = api(ws, "invitations/accept/passkey");
    await expectProblem(
      await call(join, page({ challengeId, response: registration })),
      401,
      "passkey_invalid",
    );
    await expectProblem(
      await call(join, page({ challengeId, response: registration })),
      410,
      "invitation_invalid",
    );
    expect(await countRows(ws, "invitations")).toBe(1);
    expect(await countRows(ws, "members")).toBe(0);
    expect(await countRows(ws, "member_sessions")).toBe(0);
  });
});

describe("one's own passkeys: who may", () => {
  it("a member of any role lists theirs; a token or no credential cannot", async () => {
    const ws = await makeWorkspace("pk");
    const { cookie } = await joinAs(ws, "viewer");
    const mine = await call(api(ws, "me/passkeys"), browser(cookie));
    expect(await mine.json()).toEqual({ passkeys: [] });
    await expectProblem(
      await call(api(ws, "me/passkeys"), bearer(ws.admin)),
      403,
      "member_required",
    );
    await expectProblem(await call(api(ws, "me/passkeys")), 401, "unauthenticated");
    const options = await call(
      api(ws, "me/passkeys/options"),
      bearer(ws.admin, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"name":"x"}',
      }),
    );
    await expectProblem(options, 403, "member_required");
  });

  it("adding answers only an add challenge of the same member; removing only one's own", async () => {
    const ws = await makeWorkspace("pk");
    const a = await joinAs(ws, "operator", "Ann");
    const b = await joinAs(ws, "operator", "Ben");
    const res = await call(
      api(ws, "me/passkeys/options"),
      browserJson("POST", { name: "Laptop" }, a.cookie),
    );
    expect(res.status).toBe(200);
    const { challengeId, options } = (await res.json()) as PasskeyOptions;
    expect(options).toMatchObject({ user: { displayName: "Laptop" }, excludeCredentials: [] });
    const registration = {
      id: "AAAA",
      rawId: "AAAA",
      type: "public-key",
      response: { clientDataJSON: b64u("{}"), attestationObject: b64u("nope") },
      clientExtensionResults: {},
    };
    // Ben cannot answer Ann's challenge (and spends it).
    const stolen = await call(
      api(ws, "me/passkeys"),
      browserJson("POST", { challengeId, response: registration }, b.cookie),
    );
    await expectProblem(stolen, 400, "challenge_invalid");
    const spent = await call(
      api(ws, "me/passkeys"),
      browserJson("POST", { challengeId, response: registration }, a.cookie),
    );
    await expectProblem(spent, 400, "challenge_invalid");
    const sign = await signInOptions(ws);
    const wrongKind = await call(
      api(ws, "me/passkeys"),
      browserJson("POST", { challengeId: sign.challengeId, response: registration }, a.cookie),
    );
    await expectProblem(wrongKind, 400, "challenge_invalid");
    const badName = await call(
      api(ws, "me/passkeys/options"),
      browserJson("POST", { name: "<script>" }, a.cookie),
    );
    await expectProblem(badName, 400, "validation_failed");
    const gone = await call(api(ws, "me/passkeys/nope"), browser(a.cookie, { method: "DELETE" }));
    await expectProblem(gone, 404, "not_found");
  });
});
