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
