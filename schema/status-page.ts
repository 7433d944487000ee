import { z } from "zod";
import { RecordId, Severity, Text, Timestamp } from "./common";
import { SourceId } from "./sources";

/**
 * Control characters and bidi overrides are refused in public text: the title and component
 * names are shown to anonymous visitors and inside SVG badges, where an RTL override could
 * make "API" read as something else and a C0 character would make the SVG invalid XML.
 */
const UNSAFE_PUBLIC_TEXT = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/u;

const PublicText = (max: number) =>
  Text(max)
    .trim()
    .min(1, "must not be empty")
    .refine((s) => !UNSAFE_PUBLIC_TEXT.test(s), "must not contain control or bidi characters");

/** A component's id: lowercase slug, stable across renames (machine readers key on it). */
export const StatusComponentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "1–40 characters: lowercase letters, digits and '-'");

/**
 * One public component and what feeds its state. The state is the worst of its feeds:
 * - `sources`: live → operational, stale → degraded, error → down, not connected → unknown;
 * - `metricIds`: healthy → operational, warning → degraded, critical → down, no fresh
 *   reading → unknown;
 * - `alerts`: open (firing or acknowledged, not silenced or dismissed) alerts at
 *   `minSeverity` or above → degraded, or down when one of them is critical.
 * @example { id: "api", name: "API", metricIds: ["api-error-rate"], alerts: { minSeverity: "error" } }
 */
export const StatusPageComponent = z
  .object({
    id: StatusComponentId,
    name: PublicText(60),
    sources: z
      .array(SourceId)
      .max(SourceId.options.length)
      .refine((ids) => new Set(ids).size === ids.length, "list each source once")
      .optional(),
    metricIds: z
      .array(RecordId)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, "list each metric once")
      .optional(),
    alerts: z.object({ minSeverity: Severity }).strict().optional(),
  })
  .strict()
  .refine(
    (c) => (c.sources?.length ?? 0) + (c.metricIds?.length ?? 0) > 0 || c.alerts !== undefined,
    { message: "give the component at least one feed: sources, metricIds or alerts" },
  );
export type StatusPageComponent = z.infer<typeof StatusPageComponent>;

/** `GET/PUT api/status-page` (admin): the opt-in public status page of a workspace. */
export const StatusPageConfig = z
  .object({
    enabled: z.boolean(),
    title: PublicText(100),
    components: z.array(StatusPageComponent).max(20),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.components.forEach((component, index) => {
      if (seen.has(component.id))
        ctx.addIssue({
          code: "custom",
          path: ["components", index, "id"],
          message: `duplicate component id '${component.id}': ids must be unique`,
        });
      seen.add(component.id);
    });
  });
export type StatusPageConfig = z.infer<typeof StatusPageConfig>;

export const DEFAULT_STATUS_PAGE: StatusPageConfig = {
  enabled: false,
  title: "Status",
  components: [],
};

/** Where the public page of a workspace is served (absolute, for copying into other sites). */
export const StatusPageLinks = z.object({
  page: z.string(),
  summary: z.string(),
  badge: z.string(),
});
export type StatusPageLinks = z.infer<typeof StatusPageLinks>;

export const StatusPageResponse = z.object({
  statusPage: StatusPageConfig,
  links: StatusPageLinks,
});
export type StatusPageResponse = z.infer<typeof StatusPageResponse>;

export const PublicState = z.enum(["operational", "degraded", "down", "unknown"]);
export type PublicState = z.infer<typeof PublicState>;

/**
 * What anonymous visitors see: names and states only. Parsing through this schema strips any
 * other field, so nothing beyond these keys can reach a public response even by mistake.
 */
export const PublicStatus = z.object({
  title: z.string(),
  state: PublicState,
  updatedAt: Timestamp,
  components: z.array(z.object({ id: StatusComponentId, name: z.string(), state: PublicState })),
});
export type PublicStatus = z.infer<typeof PublicStatus>;
