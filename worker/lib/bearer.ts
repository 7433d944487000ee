/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1: the scheme is
 * case-insensitive), or undefined when the header is missing, empty, another scheme, or not
 * exactly one token after the scheme.
 * @example bearerToken("Bearer odk.demo.abc") // "odk.demo.abc"
 * @example bearerToken("Basic dXNlcjpwYXNz") // undefined
 */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
}
