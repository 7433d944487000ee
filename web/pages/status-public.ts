import type { PublicState, PublicStatus } from "../../schema";
import { Age, Badge } from "../components/common";
import { html } from "../html";
import { Layout } from "../layout";

const HEADLINE: Record<PublicState, string> = {
  operational: "All systems operational",
  degraded: "Some systems are degraded",
  down: "Some systems are down",
  unknown: "Status unknown",
};

/** The dashboard's badge colours, by the word each public state maps to. */
const BADGE_STATUS: Record<PublicState, string> = {
  operational: "healthy",
  degraded: "warning",
  down: "critical",
  unknown: "unknown",
};

function StateBadge(props: { state: PublicState }) {
  return html`<${Badge} status=${BADGE_STATUS[props.state]} label=${props.state} />`;
}

/**
 * The public status page: title, overall state, each public component's state and how old
 * the answer is. Plain HTML: readable without JavaScript, and it loads no script at all.
 * `now` is the render time; the view may be up to a minute and a half old when served stale.
 */
export function PublicStatusPage(props: { slug: string; view: PublicStatus; now: number }) {
  const { view, slug } = props;
  return html`<${Layout} title=${view.title}>
    <main class="status-public">
      <h1>${view.title}</h1>
      <section class="panel status-overall" data-state=${view.state}>
        <${StateBadge} state=${view.state} />
        <strong>${HEADLINE[view.state]}</strong>
      </section>
      ${
        view.components.length === 0
          ? html`<p class="empty">No components are published yet.</p>`
          : html`<ul class="panel status-components">
              ${view.components.map(
                (c) =>
                  html`<li data-component=${c.id}>
                    <span>${c.name}</span>
                    <${StateBadge} state=${c.state} />
                  </li>`,
              )}
            </ul>`
      }
      <footer>
        <p>
          <${Age} at=${view.updatedAt} now=${props.now} prefix="Updated" />. States are checked
          about every 30 seconds.
        </p>
        <p>
          <a href=${`/status/${slug}.json`}>JSON summary</a> ·
          <a href=${`/status/${slug}/badge.svg`}>Badge</a>
        </p>
      </footer>
    </main>
  <//>`;
}

/** The same answer for "no such workspace" and "not published", so neither can be told apart. */
export function PublicStatusNotFound() {
  return html`<${Layout} title="Status page not found">
    <main class="status-public">
      <h1>Status page not found</h1>
      <p>There is no public status page at this address.</p>
    </main>
  <//>`;
}

/** Shown instead of the page when the reader is over the miss limit or the object is down. */
export function PublicStatusUnavailable(props: { message: string }) {
  return html`<${Layout} title="Status page unavailable">
    <main class="status-public">
      <h1>Status page unavailable</h1>
      <p>${props.message}</p>
    </main>
  <//>`;
}
