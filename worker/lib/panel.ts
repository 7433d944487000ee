import { sourcesFor, type Panel, type SourceStatus } from "../../schema";
import type { WorkspaceStub } from "../env";

/**
 * Reads a panel's records and the status of the sources that feed it, in parallel.
 * @example const [deployments, sources] = await withSources(stub, "deployments", stub.listDeployments(q))
 */
export async function withSources<T>(
  stub: WorkspaceStub,
  panel: Panel,
  records: Promise<T>,
): Promise<[T, SourceStatus[]]> {
  const [items, sources] = await Promise.all([records, stub.listSources()]);
  return [items, sourcesFor(panel, sources)];
}
