import {
  DEFAULT_AWS_REGIONS,
  DEFAULT_AWS_SERVICES,
  type AwsEndpoints,
  type AwsIntegration,
  type AwsIntegrationInput,
  type AwsServiceKind,
  type SourceStatus,
  type StoredSettings,
} from "../../schema";
import type { SecretBox } from "../store/secret-box";
import { mergeSettings } from "./settings";

type StoredAws = StoredSettings["integrations"]["aws"];

export function awsRegions(aws: StoredAws): string[] {
  return aws.regions ?? DEFAULT_AWS_REGIONS;
}

export function awsServices(aws: StoredAws): AwsServiceKind[] {
  return aws.services ?? DEFAULT_AWS_SERVICES;
}

/**
 * Applies `PUT api/integrations/aws`: keys through the same write-only rules as every
 * settings secret (omitted keeps, `null` clears, re-sealed off a retiring key); regions,
 * services and endpoints replace the stored ones when given, endpoints `null` clears them.
 */
export async function mergeAwsConfig(
  box: SecretBox,
  current: StoredSettings,
  input: AwsIntegrationInput,
): Promise<StoredSettings> {
  const { enabled, accessKey, secretKey } = input;
  const merged = await mergeSettings(box, current, {
    integrations: { aws: { enabled, accessKey, secretKey } },
  });
  const aws = merged.integrations.aws;
  const endpoints: AwsEndpoints | undefined =
    input.endpoints === null ? undefined : (input.endpoints ?? aws.endpoints);
  return {
    ...merged,
    integrations: {
      ...merged.integrations,
      aws: {
        ...aws,
        regions: input.regions ?? aws.regions,
        services: input.services ?? aws.services,
        endpoints: endpoints && Object.keys(endpoints).length > 0 ? endpoints : undefined,
      },
    },
  };
}

/** What `GET api/integrations/aws` shows: keys only as "set". */
export function viewAws(settings: StoredSettings, source: SourceStatus): AwsIntegration {
  const aws = settings.integrations.aws;
  return {
    enabled: aws.enabled,
    accessKeySet: aws.accessKey !== undefined,
    secretKeySet: aws.secretKey !== undefined,
    regions: awsRegions(aws),
    services: awsServices(aws),
    ...(aws.endpoints ? { endpoints: aws.endpoints } : {}),
    source,
  };
}
