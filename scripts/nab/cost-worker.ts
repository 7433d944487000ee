/**
 * The Worker that `npm run nab -- --runtime workerd` runs inside workerd: POST a CostSeries
 * with `?reps=N` and it scores it N times (scripts/nab/cost.ts), answering the checksum. The
 * caller times the round trip and subtracts a `reps=0` round trip with the same body, since
 * a Worker's own clock does not advance while it computes (a Spectre mitigation).
 */
import { scoreSeries, type CostSeries } from "./cost";

export default {
  async fetch(request: Request): Promise<Response> {
    const reps = Math.max(0, Math.min(100, Number(new URL(request.url).searchParams.get("reps"))));
    const series = (await request.json()) as CostSeries;
    return Response.json({ checksum: scoreSeries(series, reps || 0) });
  },
};
