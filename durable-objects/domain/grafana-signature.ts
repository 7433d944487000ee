import { GrafanaOptions, fail, type Failure, type Outcome } from "../../schema";
import { constantTimeEqual, hmacSha256Hex } from "../lib/crypto";
import type { HmacCandidate } from "../store/webhook-integrations";

const DEFAULTS = GrafanaOptions.parse({});

function concat(prefix: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(prefix);
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head, 0);
  out.set(body, head.byteLength);
  return out;
}

/**
 * Finds the Grafana integration whose secret signed this body: hex
 * HMAC-SHA256(secret, [timestamp + ":"] + raw body), no prefix, in any of the integration's
 * signature headers; with a timestamp header configured, the timestamp (Unix seconds) must
 * be within `toleranceSeconds` of now. Runs over the raw bytes, before anything is parsed.
 * `headers` are keyed by lower-case name.
 */
export async function verifyGrafana(
  candidates: HmacCandidate[],
  body: Uint8Array,
  headers: Record<string, string>,
  now: Date,
): Promise<Outcome<string>> {
  let sawSignature = false;
  let timestampProblem: string | undefined;
  for (const candidate of candidates) {
    const options = candidate.grafana ?? DEFAULTS;
    const signatures = options.signatureHeaders
      .map((name) => headers[name.toLowerCase()]?.trim().toLowerCase())
      .filter((s): s is string => !!s);
    if (signatures.length === 0) continue;
    sawSignature = true;
    let prefix = "";
    let stale = false;
    if (options.timestampHeader) {
      const name = options.timestampHeader;
      const raw = headers[name.toLowerCase()]?.trim() ?? "";
      if (!/^\d{1,12}$/.test(raw)) {
        timestampProblem ??= `The ${name} header is missing or not a Unix time in seconds.`;
        continue;
      }
      stale = Math.abs(now.getTime() - Number(raw) * 1000) > options.toleranceSeconds * 1000;
      prefix = `${raw}:`;
    }
    const expected = await hmacSha256Hex(candidate.secret, concat(prefix, body));
    if (!signatures.some((s) => constantTimeEqual(s, expected))) continue;
    if (!stale) return { ok: true, value: candidate.integrationId };
    timestampProblem = `The ${options.timestampHeader} timestamp is more than ${options.toleranceSeconds} s from the server's clock (replayed or clock skew).`;
  }
  if (timestampProblem) return fail(401, "timestamp_out_of_window", timestampProblem);
  if (!sawSignature)
    return fail(
      401,
      "signature_missing",
      `No signature header (${DEFAULTS.signatureHeaders.join(" or ")}, or the one configured on the integration). Set the HMAC secret on the Grafana contact point.`,
    );
  return fail(
    401,
    "signature_invalid",
    "The signature does not match the body: check the contact point's HMAC secret (hex HMAC-SHA256 over the raw body).",
  );
}

/**
 * The answer when no integration could have signed the request (the workspace has no Grafana
 * integration, or no such workspace exists): what a default-configured integration with a
 * secret nobody knows would answer, so neither case can be told from a wrong signature.
 * @example return refuseWithoutIntegration(body, headers, new Date()) // 401 signature_invalid
 */
export async function refuseWithoutIntegration(
  body: Uint8Array,
  headers: Record<string, string>,
  now: Date,
): Promise<Failure> {
  const decoy: HmacCandidate = {
    integrationId: "",
    secret: crypto.randomUUID(),
    grafana: DEFAULTS,
  };
  const verdict = await verifyGrafana([decoy], body, headers, now);
  return verdict.ok
    ? fail(401, "signature_invalid", "The signature does not match the body.")
    : verdict;
}
