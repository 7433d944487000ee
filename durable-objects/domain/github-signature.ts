import { constantTimeEqual, hmacSha256Hex } from "../lib/crypto";
import type { HmacCandidate } from "../store/webhook-integrations";

export type SignatureCheck = { ok: true; integrationId: string } | { ok: false; reason: string };

const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/i;

/**
 * Finds the GitHub integration whose secret signed this delivery: `X-Hub-Signature-256` is
 * `sha256=` + hex HMAC-SHA256(secret, raw body), over the bytes exactly as received (any
 * re-serialisation changes them). Candidates are every GitHub integration's current secret
 * and, during a rotation's overlap, its previous one. The legacy SHA-1 `X-Hub-Signature`
 * alone is refused: GitHub sends both whenever a secret is set.
 * https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 * @example await verifyGithubSignature("sha256=7571…3e17", bytes, candidates) // { ok: true, integrationId }
 */
export async function verifyGithubSignature(
  header: string | undefined,
  body: Uint8Array<ArrayBuffer>,
  candidates: HmacCandidate[],
  legacySha1Sent = false,
): Promise<SignatureCheck> {
  if (!header) {
    return {
      ok: false,
      reason: legacySha1Sent
        ? "Only the SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required. Set a secret on the GitHub webhook."
        : "X-Hub-Signature-256 is missing. Set the integration's secret on the GitHub webhook.",
    };
  }
  const match = SHA256_HEADER.exec(header.trim());
  if (!match?.[1])
    return {
      ok: false,
      reason: "X-Hub-Signature-256 must be 'sha256=' followed by 64 hex digits.",
    };
  const given = match[1].toLowerCase();
  for (const candidate of candidates) {
    if (constantTimeEqual(given, await hmacSha256Hex(candidate.secret, body)))
      return { ok: true, integrationId: candidate.integrationId };
  }
  return {
    ok: false,
    reason:
      "X-Hub-Signature-256 does not match the body under any current (or rotating) GitHub secret of this workspace.",
  };
}
