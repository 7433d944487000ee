import type { AnomalyCard, Role } from "../../schema";
import { ANOMALY_PANEL } from "../../schema/list-caps";
import { html } from "../html";
import { nearbyChanges } from "./anomaly-nearby";
import { Age, Badge } from "./common";
import { ActionButton, ActionForm, RowNote } from "./menu";
import { paths } from "./paths";
import { can } from "./roles";
import { Sparkline } from "./sparkline";
import type { PanelProps } from "./types";

const VERDICT_TEXT = { true_positive: "true positive", false_positive: "false positive" } as const;

/**
 * Acknowledge, resolve, dismiss: the same lifecycle and the same role as an alert's actions
 * (operator; a viewer is offered none). The result note is kept across live redraws.
 */
function Actions(props: { card: AnomalyCard; workspace: string; role: Role | undefined }) {
  const { card } = props;
  if (!can(props.role, "operator")) return null;
  const api = (action: string) =>
    paths(props.workspace).api(`anomaly/${encodeURIComponent(card.id)}/${action}`);
  const note = `anomaly:${card.id}`;
  return html`<div
    class="inline anomaly-actions"
    role="group"
    aria-label=${`Actions for anomaly on ${card.label}`}
  >
    ${
      card.status === "firing"
        ? html`<${ActionButton}
            label="Acknowledge"
            url=${api("acknowledge")}
            body="{}"
            done="Acknowledged."
            note=${note}
          />`
        : null
    }
    <${ActionButton}
      label="Resolve"
      url=${api("resolve")}
      body="{}"
      done="Resolved."
      note=${note}
    />
    <${ActionButton}
      label="Dismiss"
      url=${api("dismiss")}
      done="Dismissed."
      confirm="Press again to dismiss"
      danger=${true}
      note=${note}
    />
  </div>`;
}

/** True or false positive, with an optional note: judged by an operator, audited. */
export function FeedbackForm(props: {
  card: Pick<AnomalyCard, "id" | "label" | "feedback">;
  workspace: string;
}) {
  const id = `fb-${props.card.id}`;
  const verdict = props.card.feedback?.verdict;
  return html`<details class="feedback">
    <summary>${verdict ? "Change feedback" : "Give feedback"}</summary>
    <${ActionForm}
      url=${paths(props.workspace).api(`anomaly/${encodeURIComponent(props.card.id)}/feedback`)}
      done="Thanks: feedback saved."
      submit="Save feedback"
    >
      <fieldset>
        <legend>Was this a real anomaly?</legend>
        <div class="inline">
          <input
            type="radio"
            id=${`${id}-tp`}
            name="verdict"
            value="true_positive"
            required
            checked=${verdict === "true_positive"}
          />
          <label for=${`${id}-tp`}>Yes, a true positive</label>
        </div>
        <div class="inline">
          <input
            type="radio"
            id=${`${id}-fp`}
            name="verdict"
            value="false_positive"
            checked=${verdict === "false_positive"}
          />
          <label for=${`${id}-fp`}>No, a false positive (the series becomes less sensitive)</label>
        </div>
      </fieldset>
      <div class="field">
        <label for=${`${id}-note`}>Note (optional)</label>
        <textarea id=${`${id}-note`} name="note" maxlength="1000" rows="2"></textarea>
      </div>
    <//>
  </details>`;
}

function Card(props: { card: AnomalyCard } & PanelProps) {
  const { card, snapshot, now, role } = props;
  const ws = snapshot.workspace.id;
  const p = paths(ws);
  const nearby = nearbyChanges(snapshot, card);
  return html`<li
    class="row anomaly-card"
    key=${card.id}
    data-id=${card.id}
    data-status=${card.status}
  >
    <div class="row-head">
      <${Badge} status="warning" label="anomaly" />
      <a class="title" href=${p.alert(card.id)} data-modal="">${card.label}</a>
      <span class="state">${card.status}</span>
    </div>
    <a
      href=${p.metric(card.seriesId)}
      class="spark-link"
      aria-label=${`${card.label}: open the series`}
    >
      <${Sparkline}
        id=${`spark-${card.id}`}
        label=${`${card.label} around the anomaly`}
        points=${card.spark}
        band=${card.expected}
        bandFrom=${card.openedAt}
        marks=${card.points}
        unit=${card.unit}
      />
    </a>
    <small class="meta">
      ${`score ${card.score.toFixed(2)} · ${card.source} · opened `}<${Age}
        at=${card.openedAt}
        now=${now}
      />
      ${card.feedback ? ` · judged ${VERDICT_TEXT[card.feedback.verdict]} by ${card.feedback.by}` : ""}
    </small>
    <div class="nearby">
      <small class="meta"
        >What changed in the ${ANOMALY_PANEL.beforeMs / 60_000} minutes before:</small
      >
      ${
        nearby.length === 0
          ? html` <small class="meta">nothing recorded.</small>`
          : html`<ul class="nearby-list">
              ${nearby.map(
                (c) =>
                  html`<li data-kind=${c.kind}>
                    <a href=${c.href} data-modal="">${c.text}</a>
                    <small class="meta"> <${Age} at=${c.at} now=${now} /></small>
                  </li>`,
              )}
            </ul>`
      }
    </div>
    <${Actions} card=${card} workspace=${ws} role=${role} />
    ${can(role, "operator") ? html`<${FeedbackForm} card=${card} workspace=${ws} />` : null}
    <${RowNote} notes=${props.notes} id=${`anomaly:${card.id}`} />
  </li>`;
}

/** Open anomalies, newest first, each with its sparkline, what changed nearby and actions. */
export function AnomaliesBody(props: PanelProps) {
  const { snapshot } = props;
  if (snapshot.anomalies.length === 0)
    return html`<p class="empty">
      No open anomaly. Every metric series is scored as its points arrive; a series' page turns its
      detection off or tunes it.
    </p>`;
  return html`<ul class="rows" tabindex="0" aria-label="Open anomalies">
    ${snapshot.anomalies.map((card) => html`<${Card} card=${card} ...${props} />`)}
  </ul>`;
}
