/**
 * Every URL the pages link to or the client calls, in one place. Record ids are URL-safe by
 * schema (`RecordId`), but they are still encoded: a path is never built from raw input.
 */
export function paths(workspace: string) {
  const base = `/w/${encodeURIComponent(workspace)}`;
  const id = (value: string) => encodeURIComponent(value);
  return {
    base,
    api: (path: string) => `${base}/api/${path}`,
    settings: (section?: string) => `${base}/settings${section ? `#${section}` : ""}`,
    metric: (metricId: string, range?: string) =>
      `${base}/metrics/${id(metricId)}${range ? `?range=${range}` : ""}`,
    metricCsv: (metricId: string, range: string) =>
      `${base}/metrics/${id(metricId)}/export.csv?range=${range}`,
    metricSvg: (metricId: string, range: string) =>
      `${base}/metrics/${id(metricId)}/chart.svg?range=${range}`,
    alert: (alertId: string) => `${base}/alerts/${id(alertId)}`,
    incident: (incidentId: string) => `${base}/incidents/${id(incidentId)}`,
    deployment: (deploymentId: string) => `${base}/deployments/${id(deploymentId)}`,
    pipeline: (pipelineId: string) => `${base}/pipelines/${id(pipelineId)}`,
    pipelineLogs: (pipelineId: string) => `${base}/pipelines/${id(pipelineId)}/logs`,
    awsService: (serviceId: string) => `${base}/aws/${id(serviceId)}`,
    awsAll: `${base}/aws`,
    network: (networkId: string) => `${base}/networks/${id(networkId)}`,
    networkContracts: (networkId: string) => `${base}/networks/${id(networkId)}/contracts`,
    chartsConfigure: `${base}/charts/configure`,
    scan: (scanId: string) => `${base}/security/${id(scanId)}`,
    members: `${base}/members`,
    member: (memberId: string) => `${base}/members#member-${id(memberId)}`,
  };
}

export type Paths = ReturnType<typeof paths>;
