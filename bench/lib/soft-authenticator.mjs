// A software WebAuthn authenticator for benchmarks only: one ES256 discoverable credential,
// "none" attestation, a counter that goes up on every assertion. It answers the server's
// options the way a browser's `PublicKeyCredential.toJSON()` would. Tests use Chromium's
// virtual authenticator instead (test/e2e/helpers/authenticator.ts).
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

const subtle = globalThis.crypto.subtle;
const b64u = (bytes) => isoBase64URL.fromBuffer(new Uint8Array(bytes));
const sha256 = async (bytes) => new Uint8Array(await subtle.digest("SHA-256", bytes));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const u32 = (n) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** WebCrypto's ECDSA signature (r || s) as the DER sequence WebAuthn carries. */
function derSignature(raw) {
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    return v[0] & 0x80 ? concat(new Uint8Array([0]), v) : v;
  };
  const r = int(raw.slice(0, 32));
  const s = int(raw.slice(32));
  const body = concat(new Uint8Array([2, r.length]), r, new Uint8Array([2, s.length]), s);
  return concat(new Uint8Array([0x30, body.length]), body);
}

export class SoftAuthenticator {
  counter = 0;

  constructor(origin) {
    this.origin = origin;
  }

  async register(options) {
    this.keys = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const jwk = await subtle.exportKey("jwk", this.keys.publicKey);
    this.rpId = options.rp.id;
    this.credentialId = crypto.getRandomValues(new Uint8Array(16));
    const cose = isoCBOR.encode(
      new Map([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, isoBase64URL.toBuffer(jwk.x)],
        [-3, isoBase64URL.toBuffer(jwk.y)],
      ]),
    );
    const authData = concat(
      await sha256(new TextEncoder().encode(this.rpId)),
      new Uint8Array([0x45]),
      u32(0),
      new Uint8Array(16),
      new Uint8Array([0, this.credentialId.length]),
      this.credentialId,
      cose,
    );
    const attestationObject = isoCBOR.encode(
      new Map([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    const clientData = {
      type: "webauthn.create",
      challenge: options.challenge,
      origin: this.origin,
    };
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: "public-key",
      response: {
        clientDataJSON: b64u(new TextEncoder().encode(JSON.stringify(clientData))),
        attestationObject: b64u(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  async assert(options) {
    this.counter += 1;
    const clientData = new TextEncoder().encode(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: this.origin }),
    );
    const authData = concat(
      await sha256(new TextEncoder().encode(options.rpId)),
      new Uint8Array([0x05]),
      u32(this.counter),
    );
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(
      await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed),
    );
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientData),
        authenticatorData: b64u(authData),
        signature: b64u(derSignature(raw)),
      },
      clientExtensionResults: {},
    };
  }
}
