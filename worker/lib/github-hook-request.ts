import { fail, type Failure, type Outcome } from "../../schema";

/** GitHub caps webhook payloads at 25 MB; larger bodies are refused while they stream. */
export const GITHUB_BODY_LIMIT = 25 * 1024 * 1024;

/** The headers of a GitHub delivery, checked for shape (the signature itself is the object's). */
export type GithubHookHeaders = {
  event: string;
  deliveryId: string;
  signature256: string;
  contentType: string;
};

/** Event names are lower-case words joined by `_` (`workflow_run`, `ping`, `projects_v2_item`). */
const EVENT = /^[a-z][a-z0-9_]{0,63}$/;
/** GitHub's delivery ids are GUIDs (`72d3162e-cc78-11e3-81ab-4c9367dc0958`). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;
/** The two encodings a GitHub webhook can be configured with. */
const MEDIA_TYPES = new Set(["application/json", "application/x-www-form-urlencoded"]);

const field = (header: string) => `header.${header}`;

function missing(header: string, detail: string): Failure {
  return fail(400, "missing_header", `${header} is missing. ${detail}`, { field: field(header) });
}

function malformed(header: string, detail: string): Failure {
  return fail(400, "invalid_header", `${header} is malformed: ${detail}`, {
    field: field(header),
  });
}

/**
 * The checks a GitHub delivery must pass before a byte of its body is read or its workspace
 * object is touched: constant, small work on headers only, in the order a sender would fix
 * them. Each failure names the header as its field. The signature is only checked for shape
 * here: verifying it needs the integration's secret, which lives in the object.
 */
export function checkGithubHeaders(headers: Headers): Outcome<GithubHookHeaders> {
  const event = headers.get("X-GitHub-Event")?.trim();
  if (!event) return missing("X-GitHub-Event", "GitHub names the event in it.");
  if (!EVENT.test(event))
    return malformed("X-GitHub-Event", "expected an event name such as workflow_run.");

  const deliveryId = headers.get("X-GitHub-Delivery")?.trim();
  if (!deliveryId) return missing("X-GitHub-Delivery", "GitHub sends a GUID per delivery.");
  if (!GUID.test(deliveryId)) return malformed("X-GitHub-Delivery", "expected a GUID.");

  const contentType = headers.get("Content-Type") ?? "";
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  if (!MEDIA_TYPES.has(mediaType))
    return fail(
      415,
      "unsupported_media_type",
      "Send GitHub webhooks as application/json (or application/x-www-form-urlencoded with a payload field).",
      { field: field("Content-Type") },
    );

  const signature256 = headers.get("X-Hub-Signature-256")?.trim();
  if (!signature256)
    return fail(
      401,
      "signature_missing",
      headers.has("X-Hub-Signature")
        ? "Only the SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required. Set a secret on the GitHub webhook."
        : "X-Hub-Signature-256 is missing. Set the integration's secret on the GitHub webhook.",
      { field: field("X-Hub-Signature-256") },
    );
  if (!SIGNATURE.test(signature256))
    return fail(
      401,
      "signature_invalid",
      "X-Hub-Signature-256 must be 'sha256=' followed by 64 hex digits.",
      { field: field("X-Hub-Signature-256") },
    );
  return { ok: true, value: { event, deliveryId, signature256, contentType } };
}
