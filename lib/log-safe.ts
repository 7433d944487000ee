/**
 * What may be logged of an error. Messages from upstreams and libraries can quote a header, a
 * URL carrying a key, or a token; logs are read by more people than the secrets are meant for,
 * so every credential-shaped run is masked before it reaches `console`.
 */
const CREDENTIALS: readonly [RegExp, string][] = [
  // HTTP auth schemes as they appear in quoted headers.
  [/\b(Bearer|Basic|token)(\s+)[\w.~+/=-]{8,}/gi, "$1$2[redacted]"],
  // Opsdeck workspace tokens and session secrets.
  [/\bodk\.[\w.-]+/g, "odk.[redacted]"],
  // GitHub classic and fine-grained tokens.
  [/\b(gh[pousr]_|github_pat_)\w{10,}/g, "$1[redacted]"],
  // Standard Webhooks signing secrets.
  [/\bwhsec_[\w+/=]+/g, "whsec_[redacted]"],
  // Slack incoming-webhook URLs: the path is the credential.
  [/(hooks\.slack\.com\/services\/)[\w/]+/g, "$1[redacted]"],
  // AWS access key ids (long-term and temporary).
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, "$1[redacted]"],
  // user:password@ in URLs.
  [/(\/\/)[^\s/:@]+:[^\s/@]+@/g, "$1[redacted]@"],
  // Keys, tokens and signatures as name=value, in query strings (RPC providers put API keys
  // there) and in SigV4 headers.
  [
    /((?:^|[?&\s,;])(?:api[-_]?key|apikey|key|token|access_token|secret|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\s"'#,;]+/gi,
    "$1[redacted]",
  ],
];

/** `text` with every credential-shaped run masked. */
export function scrubSecrets(text: string): string {
  return CREDENTIALS.reduce((out, [pattern, mask]) => out.replace(pattern, mask), text);
}

/** An error's message (or the thrown value as text), safe to log. */
export function logSafe(error: unknown): string {
  return scrubSecrets(error instanceof Error ? error.message : String(error));
}
