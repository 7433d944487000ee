import {
  ANNOTATION_SET_BUDGET,
  LABEL_SET_BUDGET,
  clipBytes,
  jsonBytes,
  utf8Bytes,
  type SetBudget,
  type Truncation,
} from "../../schema";

/** A label or annotation set cut to its budget, and what was cut. */
export type FittedSet = { set: Record<string, string>; truncations: Truncation[] };

/** Most truncations one alert records (the schema's bound); the set-wide entry comes first. */
export const MAX_TRUNCATIONS = 20;

/** Keys kept first when a set has more than its budget allows: what Opsdeck reads from it. */
const LABELS_FIRST = ["alertname", "severity", "instance", "job", "service", "namespace"];
const ANNOTATIONS_FIRST = ["summary", "description", "message", "runbook_url"];

/**
 * Cuts a sender's label or annotation set to `budget`: keys whose name is too long are
 * dropped, values too long are clipped with a visible mark (`…[truncated from N bytes]`), and
 * once the key count or the set's bytes run out the rest are dropped. The well-known keys come
 * first so the alert keeps its name, severity and summary. Senders cannot be told (a 4xx makes
 * Alertmanager drop the whole notification), so the alert is stored and the cut recorded.
 * @example fitSet({ alertname: "Down", huge: "x".repeat(1e6) }, ANNOTATION_SET_BUDGET, "annotations")
 */
export function fitSet(
  set: Record<string, string>,
  budget: SetBudget,
  field: string,
  first: readonly string[] = [],
): FittedSet {
  const names = Object.keys(set);
  const firstNames = first.filter((n) => Object.hasOwn(set, n));
  const ordered = [...firstNames, ...names.filter((n) => !firstNames.includes(n))];
  const kept: [string, string][] = [];
  const clipped: Truncation[] = [];
  let total = 2;
  let dropped = 0;
  for (const name of ordered) {
    const raw = set[name] ?? "";
    if (kept.length >= budget.keys || utf8Bytes(name) > budget.nameBytes) {
      dropped++;
      continue;
    }
    const value = clipBytes(raw, budget.valueBytes);
    // "name":"value", — the bytes this entry adds to the stored JSON object.
    const cost = jsonBytes(name) + jsonBytes(value) + 2;
    if (total + cost > budget.totalBytes) {
      dropped++;
      continue;
    }
    if (value !== raw) clipped.push({ field: `${field}.${name}`, bytes: jsonBytes(raw) - 2 });
    kept.push([name, value]);
    total += cost;
  }
  const whole: Truncation[] =
    dropped > 0 ? [{ field, bytes: jsonBytes(set), droppedKeys: dropped }] : [];
  return { set: Object.fromEntries(kept), truncations: [...whole, ...clipped] };
}

/** An incoming alert's labels and annotations within their budgets. */
export function fitAlertSets(
  labels: Record<string, string>,
  annotations: Record<string, string>,
): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  truncated?: Truncation[];
} {
  const l = fitSet(labels, LABEL_SET_BUDGET, "labels", LABELS_FIRST);
  const a = fitSet(annotations, ANNOTATION_SET_BUDGET, "annotations", ANNOTATIONS_FIRST);
  const truncated = [...l.truncations, ...a.truncations].slice(0, MAX_TRUNCATIONS);
  return {
    labels: l.set,
    annotations: a.set,
    ...(truncated.length > 0 ? { truncated } : {}),
  };
}
