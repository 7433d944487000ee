import { z } from "zod";
import { Alert } from "./alerts";
import { Deployment } from "./deployments";
import { Pipeline } from "./pipelines";
import { NOTE_MAX_CHARS } from "./budgets";
import { Text } from "./common";

/** `POST api/alerts/:id/resolve`: an optional closing note, like acknowledge. */
export const ResolveAlertBody = z.object({ notes: Text(NOTE_MAX_CHARS).optional() }).strict();
export type ResolveAlertBody = z.infer<typeof ResolveAlertBody>;

/** Changes to the alert's repository or service that finished shortly before it began. */
export const CorrelatedChanges = z.object({
  deployments: z.array(Deployment),
  pipelines: z.array(Pipeline),
  /** The alert labels that were matched, and the window searched (for the UI to explain). */
  matchedOn: z.array(z.string()),
  windowMinutes: z.number().int().positive(),
});
export type CorrelatedChanges = z.infer<typeof CorrelatedChanges>;

/** `GET api/alerts/:id`. */
export const AlertDetail = z.object({ alert: Alert, correlated: CorrelatedChanges });
export type AlertDetail = z.infer<typeof AlertDetail>;
