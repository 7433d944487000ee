import type { Actor } from "../../schema";
import { html } from "../html";
import { paths } from "./paths";

/**
 * Who did something: a member's name links to them on the members page; a token (or a record
 * written before members, which names only a token) is plain text.
 * @example html`acknowledged by <${Who} workspace="demo" actor=${a.acknowledgedByActor} name=${a.acknowledgedBy} />`
 */
export function Who(props: { workspace: string; actor?: Actor | undefined; name: string }) {
  const { actor } = props;
  if (actor?.kind !== "member") return html`<span class="actor">${props.name}</span>`;
  return html`<a class="actor" href=${paths(props.workspace).member(actor.memberId)}
    >${actor.name}</a
  >`;
}
