import type { ComponentChildren } from "preact";
import { html } from "../html";
import { formatAge, safeHref } from "./format";

/** A status word with a colour hook; the word itself carries the meaning (not colour alone). */
export function Badge(props: { status: string; label?: string }) {
  return html`<span class="badge" data-status=${props.status}
    >${props.label ?? props.status}</span
  >`;
}

/** A relative time that keeps the exact instant in `datetime` and the tooltip. */
export function Age(props: { at: string | undefined; now: number; prefix?: string }) {
  const text = formatAge(props.at, props.now);
  const label = props.prefix ? `${props.prefix} ${text}` : text;
  return props.at
    ? html`<time datetime=${props.at} title=${props.at}>${label}</time>`
    : html`<span>${label}</span>`;
}

/** A sender-supplied link: a real link only for http(s), otherwise plain text. */
export function ExternalLink(props: { href: string | undefined; children: ComponentChildren }) {
  const href = safeHref(props.href);
  if (!href) return html`<span class="link-text">${props.children}</span>`;
  return html`<a href=${href} rel="noopener noreferrer nofollow" target="_blank"
    >${props.children}</a
  >`;
}

export function Empty(props: { children: ComponentChildren }) {
  return html`<p class="empty">${props.children}</p>`;
}

/** Long free text from senders is cut for the overview; the full text belongs to a detail view. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const TREND_ARROW = { up: "↑", down: "↓", stable: "→" } as const;
