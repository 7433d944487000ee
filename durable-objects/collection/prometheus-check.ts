import { fail, ok, type MetricSample, type Outcome, type PromCard } from "../../schema";
import { UpstreamError } from "../../providers/http";
import {
  PromQueryError,
  instantQuery,
  rangeQuery,
  type PromConnection,
} from "../../providers/prometheus/client";
import { readCard } from "../../providers/prometheus/map";

/** What saving learned: each checked card's history (card id → samples). */
export type Checked = { history: Map<string, MetricSample[]> };

/** How much history a new card's chart starts with. */
const HISTORY_MS = 60 * 60_000;
/** Prometheus refuses ranges of more than 11,000 points; an hour at ≥ 5 s is far below. */
const MIN_STEP_SECONDS = 5;

/**
 * Runs one instant query per new or changed card (or `1` when there are none, to prove the
 * endpoint and credential work). A query Prometheus refuses comes back with its own error text
 * on the card's `query` field; an endpoint that cannot be reached or refuses the credential
 * names `baseUrl` or `auth`. Nothing is saved on any failure.
 */
export async function checkCards(
  conn: PromConnection,
  cards: readonly PromCard[],
  changed: (card: PromCard) => boolean,
  now: Date,
): Promise<Outcome<Checked>> {
  const todo = cards.flatMap((card, index) => (changed(card) ? [{ card, index }] : []));
  try {
    if (cards.length === 0) await instantQuery(conn, "1", now);
    for (const { card, index } of todo) {
      const field = `json.cards.${index}.query`;
      try {
        const answer = await instantQuery(conn, card.query, now);
        if (answer.data.resultType === "string")
          return fail(
            400,
            "promql_not_numeric",
            `${field}: the query returns a string, not a number to chart.`,
            { field },
          );
      } catch (error) {
        if (!(error instanceof PromQueryError)) throw error;
        // 503: the query timed out or was aborted; worth retrying, not a fault in the PromQL.
        if (error.httpStatus >= 500)
          return fail(503, "prometheus_timeout", `${field}: Prometheus says: ${error.promError}`, {
            field,
            retryAfterSeconds: 30,
          });
        // 400 bad_data is a parse error; 422 execution is valid PromQL Prometheus cannot run.
        const status = error.httpStatus === 422 ? 422 : 400;
        return fail(status, "promql_invalid", `${field}: Prometheus says: ${error.promError}`, {
          field,
        });
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof UpstreamError && error.kind === "credentials")
      return fail(422, "prometheus_credentials", `Prometheus refused the credential: ${reason}.`, {
        field: "json.auth",
      });
    return fail(422, "prometheus_unreachable", `Prometheus did not answer usefully: ${reason}.`, {
      field: "json.baseUrl",
    });
  }
  return ok({ history: new Map() });
}

/**
 * The last hour of each new or changed card, at the collection step, so its chart has a line
 * from the start. Best effort: a range the server refuses leaves the chart to fill as it runs.
 */
export async function loadHistory(
  conn: PromConnection,
  cards: readonly PromCard[],
  changed: (card: PromCard) => boolean,
  checked: Checked,
  now: Date,
  stepSeconds: number,
): Promise<Checked> {
  const history = new Map(checked.history);
  const range = {
    start: new Date(now.getTime() - HISTORY_MS),
    end: now,
    stepSeconds: Math.max(MIN_STEP_SECONDS, stepSeconds),
  };
  for (const card of cards.filter(changed)) {
    try {
      history.set(card.id, readCard(card, await rangeQuery(conn, card.query, range), now).samples);
    } catch {
      // The instant query already passed; a missing history only means a shorter chart.
    }
  }
  return { history };
}
