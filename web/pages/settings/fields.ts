import { html } from "../../html";

/* The form fields every settings section shares. */

/** A write-only secret: shown only as set or not, never its value. */
export function Secret(props: { set: boolean }) {
  return props.set
    ? html`<span class="masked" aria-label="set, hidden">•••••••• (set)</span>`
    : html`<span class="meta">not set</span>`;
}

export function SecretField(props: { id: string; name: string; label: string; set: boolean }) {
  return html`<div class="field">
    <label for=${props.id}>${props.label} <${Secret} set=${props.set} /></label>
    <input
      id=${props.id}
      name=${props.name}
      type="password"
      autocomplete="off"
      placeholder=${props.set ? "leave empty to keep the saved value" : ""}
    />
    ${
      props.set
        ? html`<div class="inline">
            <input type="checkbox" id=${`${props.id}-clear`} data-clears=${props.name} />
            <label for=${`${props.id}-clear`}>Remove the saved value</label>
          </div>`
        : null
    }
  </div>`;
}

export function Check(props: { id: string; name: string; label: string; checked: boolean }) {
  return html`<div class="inline">
    <input type="checkbox" id=${props.id} name=${props.name} checked=${props.checked} />
    <label for=${props.id}>${props.label}</label>
  </div>`;
}

export function Number_(props: {
  id: string;
  name: string;
  label: string;
  value: number;
  min: number;
  max: number;
}) {
  return html`<div class="field">
    <label for=${props.id}>${props.label}</label>
    <input
      id=${props.id}
      name=${props.name}
      type="number"
      data-type="number"
      min=${props.min}
      max=${props.max}
      step="1"
      required
      value=${props.value}
    />
  </div>`;
}
