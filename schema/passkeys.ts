import { z } from "zod";
import { RecordId, Timestamp } from "./common";
import { MemberName } from "./members";

/** Passkeys one member may hold; past it `POST api/me/passkeys` is a 409 limit_reached. */
export const PASSKEYS_PER_MEMBER_MAX = 10;

/** Open (unused, unexpired) WebAuthn challenges per workspace; past it new ones get a 429. */
export const PASSKEY_CHALLENGES_MAX = 200;

/** A WebAuthn challenge is answered within this many seconds, once, or not at all. */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 300;

/** base64url, as WebAuthn's JSON encodings carry ids and binary fields; bounded in length. */
const B64u = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "base64url");

const Transports = z.array(z.string().max(20)).max(8);

/**
 * A browser's `PublicKeyCredential.toJSON()` from `navigator.credentials.create()`
 * (RegistrationResponseJSON): shape and size checked here, signatures by the server library.
 */
export const PasskeyRegistrationResponse = z.object({
  id: B64u(1400),
  rawId: B64u(1400),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64u(4000),
    attestationObject: B64u(16_000),
    transports: Transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: B64u(4000).optional(),
    authenticatorData: B64u(8000).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type PasskeyRegistrationResponse = z.infer<typeof PasskeyRegistrationResponse>;

/** A browser's `navigator.credentials.get()` answer (AuthenticationResponseJSON). */
export const PasskeyAuthenticationResponse = z.object({
  id: B64u(1400),
  rawId: B64u(1400),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64u(4000),
    authenticatorData: B64u(8000),
    signature: B64u(2000),
    userHandle: B64u(200).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type PasskeyAuthenticationResponse = z.infer<typeof PasskeyAuthenticationResponse>;

/** A passkey's label in the profile ("Laptop", "Phone"). */
export const PasskeyName = MemberName.max(60);

/** The options a browser passes to the WebAuthn API, and the id of the challenge inside them. */
export const PasskeyOptions = z.object({
  challengeId: RecordId,
  options: z.record(z.string(), z.unknown()),
});
export type PasskeyOptions = z.infer<typeof PasskeyOptions>;

/** `POST api/invitations/accept/passkey-options`: the invitation and the name to join as. */
export const JoinPasskeyOptionsBody = z
  .object({ token: z.string().min(1).max(200), name: MemberName })
  .strict();
export type JoinPasskeyOptionsBody = z.infer<typeof JoinPasskeyOptionsBody>;

/** A challenge answered with a new passkey (joining, or adding one in the profile). */
export const PasskeyRegistrationBody = z
  .object({ challengeId: RecordId, response: PasskeyRegistrationResponse })
  .strict();
export type PasskeyRegistrationBody = z.infer<typeof PasskeyRegistrationBody>;

/** A sign-in challenge answered by a discoverable credential. */
export const PasskeySignInBody = z
  .object({ challengeId: RecordId, response: PasskeyAuthenticationResponse })
  .strict();
export type PasskeySignInBody = z.infer<typeof PasskeySignInBody>;

/** `POST api/me/passkeys/options`: the label the new passkey will carry. */
export const AddPasskeyOptionsBody = z.object({ name: PasskeyName }).strict();
export type AddPasskeyOptionsBody = z.infer<typeof AddPasskeyOptionsBody>;

/** One of the caller's passkeys (`GET api/me/passkeys`): never its public key. */
export const Passkey = z.object({
  id: RecordId,
  name: z.string(),
  transports: z.array(z.string()),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.optional(),
});
export type Passkey = z.infer<typeof Passkey>;

/** What `member_credentials.data` keeps for a passkey. */
export const StoredPasskey = z.object({
  publicKey: z.string(),
  counter: z.number().int().nonnegative(),
  transports: z.array(z.string()),
  name: z.string(),
});
export type StoredPasskey = z.infer<typeof StoredPasskey>;

/** The relying party a workspace's passkeys are bound to (from configuration; see README). */
export const RelyingParty = z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()).min(1),
});
export type RelyingParty = z.infer<typeof RelyingParty>;
