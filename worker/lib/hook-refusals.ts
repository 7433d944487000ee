import { verifyGithubSignature } from "../../durable-objects/domain/github-signature";
import { fail } from "../../schema";
import { ApiError } from "../errors";

/**
 * What the GitHub receiver answers for a workspace that does not exist: the object's answer
 * to these signature headers when no secret matches (missing, malformed, or not matching),
 * computed without the body, so it is the very answer a wrong secret gets on a real one.
 * @example throw await githubUnknownWorkspace(c.req.header("X-Hub-Signature-256"), undefined)
 */
export async function githubUnknownWorkspace(
  signature256: string | undefined,
  legacySignature: string | undefined,
): Promise<ApiError> {
  const verdict = await verifyGithubSignature(
    signature256,
    new Uint8Array(0),
    [],
    legacySignature !== undefined,
  );
  const reason = verdict.ok ? "The signature does not match." : verdict.reason;
  return ApiError.from(fail(401, "signature_invalid", reason));
}
