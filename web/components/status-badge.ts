import { render } from "preact-render-to-string";
import type { PublicState } from "../../schema";
import { html } from "../html";
import { clip } from "./common";

/** Shields' palette, so the badge sits well next to the others in a README. */
const COLOURS: Record<PublicState | "missing", string> = {
  operational: "#4c1",
  degraded: "#dfb317",
  down: "#e05d44",
  unknown: "#9f9f9f",
  missing: "#9f9f9f",
};

/**
 * Approximate advance widths of Verdana 11px (what shields measures with), good enough to
 * size the two halves without a font table: the text is centred, so an error of a few pixels
 * only changes the padding.
 */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if ("iljI.,:;|!'`".includes(ch)) width += 3.6;
    else if ("mwMW@%".includes(ch)) width += 10.5;
    else if (ch === " ") width += 3.9;
    else if (ch >= "A" && ch <= "Z") width += 7.6;
    else width += 6.6;
  }
  return Math.ceil(width);
}

/**
 * A shields-style flat badge ("<label> | <state>") as an SVG document. Rendered through Preact,
 * so the label (the page title an admin chose) is escaped like any other text; it uses no
 * script, no style element and no external reference.
 * @example statusBadgeSvg("Acme status", "operational")
 */
export function statusBadgeSvg(label: string, state: PublicState | "missing"): string {
  const left = clip(label, 40);
  const right = state === "missing" ? "not found" : state;
  const lw = textWidth(left) + 12;
  const rw = textWidth(right) + 12;
  const width = lw + rw;
  const aria = `${left}: ${right}`;
  const shadow = (text: string, x: number) =>
    html`<text x=${x} y="15" fill="#010101" fill-opacity=".3">${text}</text>
      <text x=${x} y="14">${text}</text>`;
  const svg = html`<svg
    xmlns="http://www.w3.org/2000/svg"
    width=${width}
    height="20"
    role="img"
    aria-label=${aria}
  >
    <title>${aria}</title>
    <linearGradient id="s" x2="0" y2="100%">
      <stop offset="0" stop-color="#bbb" stop-opacity=".1" />
      <stop offset="1" stop-opacity=".1" />
    </linearGradient>
    <clipPath id="r"><rect width=${width} height="20" rx="3" fill="#fff" /></clipPath>
    <g clip-path="url(#r)">
      <rect width=${lw} height="20" fill="#555" />
      <rect x=${lw} width=${rw} height="20" fill=${COLOURS[state]} />
      <rect width=${width} height="20" fill="url(#s)" />
    </g>
    <g
      fill="#fff"
      text-anchor="middle"
      font-family="Verdana,Geneva,DejaVu Sans,sans-serif"
      font-size="11"
    >
      ${shadow(left, lw / 2)} ${shadow(right, lw + rw / 2)}
    </g>
  </svg>`;
  return render(svg);
}
