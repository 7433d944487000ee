import { PIPELINE_ROW_BYTES, clipBytes, jsonBytes, type Pipeline } from "../../schema";

/**
 * A run within `PIPELINE_ROW_BYTES`: GitHub sends a job (stage) per event with up to 1,000
 * steps, and a run may have hundreds of jobs, so a stored run could outgrow its row. Past the
 * budget, step names are shortened, then steps are dropped from finished stages (oldest
 * first), then from all; the stages themselves, their status and timing always stay, and
 * `truncated` says what was cut. The logs of each stage remain one click away on GitHub.
 * @example fitPipeline(mergeStage(before, placeholder, stage))
 */
export function fitPipeline(pipeline: Pipeline): Pipeline {
  const bytes = jsonBytes(pipeline);
  if (bytes <= PIPELINE_ROW_BYTES) return pipeline;
  const mark = { truncated: [{ field: "stages.steps", bytes }] };
  let fitted: Pipeline = {
    ...pipeline,
    ...mark,
    stages: pipeline.stages.map((s) =>
      s.steps ? { ...s, steps: s.steps.map((st) => ({ ...st, name: clipBytes(st.name, 64) })) } : s,
    ),
  };
  const order = fitted.stages
    .map((s, i) => ({ i, done: s.status === "success" || s.status === "failed" }))
    .sort((a, b) => Number(b.done) - Number(a.done) || a.i - b.i);
  for (const { i } of order) {
    if (jsonBytes(fitted) <= PIPELINE_ROW_BYTES) break;
    fitted = {
      ...fitted,
      stages: fitted.stages.map((s, k) => (k === i ? { ...s, steps: undefined } : s)),
    };
  }
  return fitted;
}
