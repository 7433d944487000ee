import {
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type {
  PasskeyAuthenticationResponse,
  PasskeyRegistrationResponse,
  RelyingParty,
  StoredPasskey,
} from "../../schema";

/**
 * The WebAuthn ceremonies' cryptography, through @simplewebauthn/server: options a browser
 * passes to `navigator.credentials.create()`, and the verification of what it answers.
 * Every failure is `undefined`: the caller gives one answer whatever went wrong.
 */

/** Creation options for a discoverable credential; `userId` is random, never the member id. */
export async function creationOptions(
  rp: RelyingParty,
  timeoutMs: number,
  user: { userName: string; displayName: string; exclude: string[] },
) {
  const userId = crypto.getRandomValues(new Uint8Array(16));
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.userName,
    userID: userId,
    userDisplayName: user.displayName,
    attestationType: "none",
    timeout: timeoutMs,
    excludeCredentials: user.exclude.map((id) => ({ id })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
  return { options, userId: isoBase64URL.fromBuffer(userId) };
}

/** The credential a registration creates, or undefined when it does not verify. */
export async function verifiedRegistration(
  response: PasskeyRegistrationResponse,
  expectedChallenge: string,
  rp: RelyingParty,
  name: string,
): Promise<{ credentialId: string; data: StoredPasskey } | undefined> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    const { credential } = result.registrationInfo;
    return {
      credentialId: credential.id,
      data: {
        publicKey: isoBase64URL.fromBuffer(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        name,
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * The signature counter of a verified sign-in assertion, or undefined when it does not verify
 * (origin, relying party, challenge, signature). The counter itself is judged by the caller,
 * after this, so a forgery can never pose as a clone.
 */
export async function verifiedAssertion(
  response: PasskeyAuthenticationResponse,
  expectedChallenge: string,
  rp: RelyingParty,
  passkey: { credentialId: string; publicKey: string },
): Promise<number | undefined> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: 0,
      },
    });
    return result.verified ? result.authenticationInfo.newCounter : undefined;
  } catch {
    return undefined;
  }
}
