import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Adapter, type AdapterPayload, type Configuration } from "oidc-provider";

/**
 * A real OpenID provider for the SSO tests: panva's certified `oidc-provider`, in-process on a
 * loopback port, with registered clients, a few people, and a login interaction that signs in
 * whoever the test chose without a browser (the provider redirects to `/interaction/<uid>`,
 * this server finishes it with `interactionFinished`). Consent is pre-granted for the scopes
 * Opsdeck asks for, as for a first-party app. The signing keys are made here, so tests can
 * sign tokens "from the provider" (expired ones, say) and rotate keys.
 */

export type TestPerson = {
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
};

/** People the provider knows, by account id. */
export const PEOPLE: Record<string, TestPerson> = {
  alice: {
    email: "alice@example.com",
    emailVerified: true,
    name: "Alice Admin",
    groups: ["ops-admins", "everyone"],
  },
  bob: { email: "bob@example.com", emailVerified: false, name: "Bob", groups: ["everyone"] },
  mallory: { email: "mallory@evil.test", emailVerified: true, name: "Mallory", groups: [] },
  carol: { email: "carol@example.com", emailVerified: true, name: "Carol", groups: ["everyone"] },
  dave: { email: "dave@example.com", emailVerified: true, name: "Dave", groups: ["everyone"] },
};

export type TestClient = { clientId: string; clientSecret: string };
export const REDIRECT_URI = "https://ops.example.com/w/demo/auth/sso/callback";
export const CLIENT: TestClient = { clientId: "opsdeck", clientSecret: "opsdeck-test-secret-1" };
export const OTHER_CLIENT: TestClient = { clientId: "other-app", clientSecret: "other-secret-12" };

export type SigningKey = { privateKey: CryptoKey; publicJwk: JWK; privateJwk: JWK; kid: string };

/** A fresh RS256 key pair with its kid, as the provider's JWKS lists it. */
export async function makeSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const base = { kid, alg: "RS256", use: "sig" };
  return {
    privateKey,
    kid,
    publicJwk: { ...(await exportJWK(publicKey)), ...base },
    privateJwk: { ...(await exportJWK(privateKey)), ...base },
  };
}

export type OidcPeer = {
  issuer: string;
  /** The key that signs new ID tokens now. */
  current(): SigningKey;
  /** Who the next login interaction signs in. */
  signInAs(accountId: keyof typeof PEOPLE): void;
  /** A new signing key, first in the JWKS; the previous one stays listed (like real providers). */
  rotateKeys(): Promise<SigningKey>;
  /** JWKS documents served so far. */
  jwksServed(): number;
  close(): Promise<void>;
};

type Stored = { payload: AdapterPayload; expiresAt: number };
const records = new Map<string, Stored>();

/**
 * The provider's storage (sessions, codes, grants): a Map shared by every restart of the peer,
 * so a key rotation (a restart with new keys) keeps the codes issued before it, like a real
 * provider. Instead of the library's quick-start adapter, which warns on every start.
 */
class MemoryStore implements Adapter {
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    records.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
    return Promise.resolve();
  }
  find(id: string): Promise<AdapterPayload | undefined> {
    const hit = records.get(this.key(id));
    if (!hit || hit.expiresAt < Date.now()) return Promise.resolve(undefined);
    return Promise.resolve(hit.payload);
  }
  private findBy(field: "uid" | "userCode", value: string) {
    for (const [key, hit] of records)
      if (key.startsWith(`${this.model}:`) && hit.payload[field] === value)
        return Promise.resolve(hit.payload);
    return Promise.resolve(undefined);
  }
  findByUid(uid: string) {
    return this.findBy("uid", uid);
  }
  findByUserCode(userCode: string) {
    return this.findBy("userCode", userCode);
  }
  consume(id: string): Promise<void> {
    const hit = records.get(this.key(id));
    if (hit) hit.payload = { ...hit.payload, consumed: Math.floor(Date.now() / 1000) };
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    records.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, hit] of records) if (hit.payload.grantId === grantId) records.delete(key);
    return Promise.resolve();
  }
}

export type PeerOptions = {
  /** Token endpoint client authentication the provider offers (and the clients use). */
  clientAuthMethods?: ("client_secret_basic" | "client_secret_post")[];
  /** Redirect URIs the clients register (a running Worker's callback); REDIRECT_URI by default. */
  redirectUris?: string[];
};

function configuration(keys: SigningKey[], options: PeerOptions): Configuration {
  const scopes = "openid email profile";
  const methods = options.clientAuthMethods ?? ["client_secret_basic", "client_secret_post"];
  return {
    clientAuthMethods: methods,
    clients: [CLIENT, OTHER_CLIENT].map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: options.redirectUris ?? [REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: methods[0],
    })),
    jwks: { keys: keys.map((k) => k.privateJwk) },
    cookies: { keys: ["oidc-peer-cookie-key"] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "groups"],
    },
    // Claims in the ID token itself, not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: 60,
      IdToken: 600,
      AccessToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    adapter: MemoryStore,
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: person.email,
          email_verified: person.emailVerified,
          name: person.name,
          groups: person.groups,
        }),
      };
    },
    // First-party client: consent for Opsdeck's scopes is granted without asking.
    loadExistingGrant: async (ctx) => {
      const { session, client, provider } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return provider.Grant.find(existing);
      const grant = new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope(scopes);
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  };
}

/** Starts the provider on a free loopback port (or `port`, when restarting after rotation). */
export async function startOidcProvider(options: PeerOptions = {}): Promise<OidcPeer> {
  let keys = [await makeSigningKey("key-1")];
  let accountId = "alice";
  let served = 0;
  let server: Server | undefined;
  let issuer = "";

  const listen = async (port: number) => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
    const bound = (http.address() as AddressInfo).port;
    issuer = `http://127.0.0.1:${bound}`;
    const provider = new Provider(issuer, configuration(keys, options));
    const callback = provider.callback();
    http.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith("/jwks")) served++;
      if (req.url?.startsWith("/interaction/")) {
        void finishLogin(provider, req, res, accountId);
        return;
      }
      void callback(req, res);
    });
    server = http;
    return bound;
  };
  const stop = async () => {
    const http = server;
    if (!http) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };

  const port = await listen(0);
  return {
    get issuer() {
      return issuer;
    },
    current: () => keys[0]!,
    signInAs(id) {
      accountId = id;
    },
    async rotateKeys() {
      const next = await makeSigningKey(`key-${keys.length + 1}`);
      keys = [next, ...keys];
      await stop();
      await listen(port);
      return next;
    },
    jwksServed: () => served,
    close: stop,
  };
}

/** The login prompt: signs in the chosen account and sends the browser back to the provider. */
async function finishLogin(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  accountId: string,
): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    const result = details.prompt.name === "login" ? { login: { accountId } } : { consent: {} };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  } catch (error) {
    res.statusCode = 500;
    res.end(error instanceof Error ? error.message : "interaction failed");
  }
}

/**
 * What a browser does between Opsdeck's redirect to the identity provider and the provider's
 * redirect back: follow 30x answers, keeping the provider's cookies, until the Location is the
 * redirect URI. Enough for oidc-provider, whose login interaction the peer finishes itself.
 */
export async function browseToCallback(
  authorizationUrl: string,
  redirectUri: string,
): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get("location");
    await res.body?.cancel();
    if (!location) throw new Error(`${url} answered ${res.status} without a redirect`);
    const next = new URL(location, url).href;
    if (next.startsWith(redirectUri)) return next;
    url = next;
  }
  throw new Error("too many redirects before the callback");
}
