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
 * HMAC-SHA256(secret, timestamp + ":" + raw body), no prefix, in any of the integration's
 * signature headers, with the timestamp (Unix seconds) in its timestamp header. The timestamp
 * must be within `toleranceSeconds` (300 by default) of now, so a captured notification cannot
 * be replayed later: every integration has this window, including those stored before it was
 * the default (their options parse with the default header and window). Runs over the raw
 * bytes, before anything is parsed. `headers` are keyed by lower-case name.
 * https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
export async function verifyGrafana(
  candidates: HmacCandidate[],
  body: Uint8Array,
  headers: Record<string, string>,
  now: Date,
): Promise<Outcome<string>> {
  let sawSignature = false;
  let timestampProblem: Failure | undefined;
  for (const candidate of candidates) {
    const options = candidate.grafana ?? DEFAULTS;
    const signatures = options.signatureHeaders
      .map((name) => headers[name.toLowerCase()]?.trim().toLowerCase())
      .filter((s): s is string => !!s);
    if (signatures.length === 0) continue;
    sawSignature = true;
    const name = options.timestampHeader;
    const raw = headers[name.toLowerCase()]?.trim() ?? "";
    if (!/^\d{1,12}$/.test(raw)) {
      timestampProblem ??= fail(
        401,
        "timestamp_missing",
        `The ${name} header is missing or not a Unix time in seconds: set Timestamp Header to ${name} in the contact point's HMAC settings.`,
        { field: `header.${name}` },
      );
      continue;
    }
    const expected = await hmacSha256Hex(candidate.secret, concat(`${raw}:`, body));
    if (!signatures.some((s) => constantTimeEqual(s, expected))) continue;
    // Only a genuine signature reaches the clock check, so the answer says nothing to a forger.
    const skewMs = Math.abs(now.getTime() - Number(raw) * 1000);
    if (skewMs <= options.toleranceSeconds * 1000)
      return { ok: true, value: candidate.integrationId };
    timestampProblem = fail(
      401,
      "timestamp_out_of_window",
      `The ${name} timestamp is more than ${options.toleranceSeconds} s from the server's clock (a replayed notification, or clock skew).`,
      { field: `header.${name}` },
    );
  }
  if (timestampProblem) return timestampProblem;
  if (!sawSignature)
    return fail(
      401,
      "signature_missing",
      `No signature header (${DEFAULTS.signatureHeaders.join(" or ")}, or the one configured on the integration). Set the HMAC secret on the Grafana contact point.`,
    );
  return fail(
    401,
    "signature_invalid",
    "The signature does not match the body: check the contact point's HMAC secret (hex HMAC-SHA256 over the timestamp, a colon and the raw body).",
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
