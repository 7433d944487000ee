import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from "jose";
import {
  JWT_CLOCK_SKEW_SECONDS,
  JWT_KEY_ROTATE_MS,
  JWT_TTL_SECONDS,
  PublicJwk,
  fail,
  ok,
  type Jwks,
  type Outcome,
} from "../../schema";
import { jwtAudience, jwtIssuer } from "../../lib/jwt-shape";
import { JwtKeyStore } from "../store/jwt-keys";
import type { Host } from "./host";
import { SECRETS_KEY_MISSING } from "./webhooks";

export const JWT_ROTATE_TASK = "jwt:rotate";
const ALG = "ES256";
const TYP = "at+jwt";

/** The claims Opsdeck puts in a JWT beside the registered ones. */
export type JwtClaims = { sub: string; kind: "member" | "token"; sid?: string };
export type VerifiedJwt = JwtClaims & { expiresAt: number };

/**
 * The workspace's JWT signing keys (ES256 via `jose`): generated here, the private half sealed
 * with the secret box, rotated daily by the `jwt:rotate` alarm task (the retired key kept
 * until every token it signed has expired, then deleted), and the public keys imported once
 * and kept in memory, so verifying costs one signature check and no fetch or storage read.
 */
export class JwtKeys {
  private readonly store: JwtKeyStore;
  private readonly publicKeys = new Map<string, CryptoKey>();
  private signing?: { kid: string; key: CryptoKey };
  private generating?: Promise<Outcome<void>>;
  readonly tasks = { [JWT_ROTATE_TASK]: (now: number) => this.rotate(now) };

  constructor(private readonly host: Host) {
    this.store = new JwtKeyStore(host.sql);
  }

  /** Signs a bearer JWT for `claims`, valid `JWT_TTL_SECONDS` from `now`. */
  async sign(
    claims: JwtClaims,
    now = Date.now(),
  ): Promise<Outcome<{ jwt: string; expiresAt: number }>> {
    const key = await this.current(now);
    if (!key.ok) return key;
    const iat = Math.floor(now / 1000);
    const exp = iat + JWT_TTL_SECONDS;
    const ws = this.host.workspaceId();
    const jwt = await new SignJWT({ kind: claims.kind, ...(claims.sid ? { sid: claims.sid } : {}) })
      .setProtectedHeader({ alg: ALG, kid: key.value.kid, typ: TYP })
      .setIssuer(jwtIssuer(ws))
      .setAudience(jwtAudience(ws))
      .setSubject(claims.sub)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .sign(key.value.key);
    return ok({ jwt, expiresAt: exp * 1000 });
  }

  /**
   * Verifies a JWT: `alg` pinned to ES256 and `typ` to at+jwt, the `kid` one of this
   * workspace's keys (another workspace's or an unknown kid fails), `iss`, `aud`, `exp`,
   * `nbf`. Undefined for anything that does not hold; the caller still checks the subject.
   */
  async verify(jwt: string, now = Date.now()): Promise<VerifiedJwt | undefined> {
    await this.loadPublicKeys();
    const ws = this.host.workspaceId();
    try {
      const { payload } = await jwtVerify(
        jwt,
        (header) => {
          const key = header.kid === undefined ? undefined : this.publicKeys.get(header.kid);
          if (!key) throw new Error("unknown kid");
          return key;
        },
        {
          algorithms: [ALG],
          typ: TYP,
          issuer: jwtIssuer(ws),
          audience: jwtAudience(ws),
          currentDate: new Date(now),
          clockTolerance: JWT_CLOCK_SKEW_SECONDS,
          requiredClaims: ["sub", "exp", "nbf", "iat"],
        },
      );
      return claimsOf(payload);
    } catch {
      return undefined;
    }
  }

  /** The public keys for `/.well-known/jwks.json` (current and still-live retired ones). */
  async jwks(now = Date.now()): Promise<Outcome<Jwks>> {
    const current = await this.current(now);
    if (!current.ok) return current;
    const keys = this.store.all().map((row) => PublicJwk.parse(JSON.parse(row.public_jwk)));
    return ok({ keys });
  }

  /**
   * The alarm task: a new key once the current one is `JWT_KEY_ROTATE_MS` old, retired keys
   * deleted once their last token has expired, and the next run scheduled.
   */
  async rotate(now: number): Promise<void> {
    const current = this.store.current();
    if (current && current.created_at + JWT_KEY_ROTATE_MS <= now) await this.generate(now);
    this.store.prune(now - (JWT_TTL_SECONDS + JWT_CLOCK_SKEW_SECONDS) * 1000);
    this.forgetCache();
    const next = this.store.current();
    if (next) this.host.schedule.write(JWT_ROTATE_TASK, next.created_at + JWT_KEY_ROTATE_MS);
  }

  /** Forces a rotation now (tests, and an admin's "rotate" would call this). */
  async rotateNow(now = Date.now()): Promise<Outcome<void>> {
    const made = await this.generate(now);
    if (!made.ok) return made;
    this.forgetCache();
    return ok(undefined);
  }

  private forgetCache(): void {
    this.publicKeys.clear();
    this.signing = undefined;
  }

  /** The current signing key, made on first use (or when the alarm has not rotated yet). */
  private async current(now: number): Promise<Outcome<{ kid: string; key: CryptoKey }>> {
    const row = this.store.current();
    if (row && this.signing?.kid === row.kid) return ok(this.signing);
    if (!row || row.created_at + JWT_KEY_ROTATE_MS <= now) {
      const made = await this.generate(now);
      if (!made.ok) return made;
      this.forgetCache();
      return this.current(now);
    }
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const jwk: JWK = JSON.parse(await box.open(row.private_sealed));
    const key = await importJWK(jwk, ALG);
    if (!(key instanceof CryptoKey)) return fail(500, "jwt_key_invalid", "Signing key unreadable.");
    this.signing = { kid: row.kid, key };
    return ok(this.signing);
  }

  /**
   * One key generation at a time: concurrent first sign-ins (the object interleaves requests
   * across crypto awaits) share it instead of each retiring the key the previous one made.
   */
  private generate(now: number): Promise<Outcome<void>> {
    this.generating ??= this.generateOnce(now).finally(() => {
      this.generating = undefined;
    });
    return this.generating;
  }

  private async generateOnce(now: number): Promise<Outcome<void>> {
    const box = await this.host.box();
    if (!box) return SECRETS_KEY_MISSING();
    const pair = await generateKeyPair(ALG, { extractable: true });
    const kid = crypto.randomUUID();
    const pub = { ...(await exportJWK(pair.publicKey)), kid, alg: ALG, use: "sig" };
    const sealed = await box.seal(JSON.stringify(await exportJWK(pair.privateKey)));
    const row = { kid, public_jwk: JSON.stringify(pub), private_sealed: sealed, created_at: now };
    this.host.transaction(() => this.store.add(row, now));
    await this.host.schedule.ensure(JWT_ROTATE_TASK, now + JWT_KEY_ROTATE_MS);
    return ok(undefined);
  }

  private async loadPublicKeys(): Promise<void> {
    if (this.publicKeys.size > 0) return;
    for (const row of this.store.all()) {
      const key = await importJWK(JSON.parse(row.public_jwk) as JWK, ALG);
      if (key instanceof CryptoKey) this.publicKeys.set(row.kid, key);
    }
  }
}

function claimsOf(payload: JWTPayload): VerifiedJwt | undefined {
  const { sub, exp, kind, sid } = payload;
  if (typeof sub !== "string" || typeof exp !== "number") return undefined;
  if (kind !== "member" && kind !== "token") return undefined;
  return { sub, kind, ...(typeof sid === "string" ? { sid } : {}), expiresAt: exp * 1000 };
}
