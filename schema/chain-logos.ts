/**
 * Logos for Web3 network cards (`Web3Network.logo`): small inline SVG data URIs drawn for
 * Opsdeck, simple geometric marks in a chain's colour (no project's artwork), so a card always
 * has an image that needs no request to another site (the pages' CSP allows `data:` images).
 * Test networks wear their main network's mark inside a dashed ring. No zod here: the browser
 * client imports this file.
 */

type Mark = { colour: string; shape: string; testnet?: boolean };

const WHITE = 'fill="#fff"';
const STROKE =
  'fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"';

const DIAMOND = `<path d="M16 6l6.5 10L16 26 9.5 16z" ${WHITE}/>`;
const HEXAGON = `<path d="M16 7l7.8 4.5v9L16 25l-7.8-4.5v-9z" ${WHITE}/>`;
const TRIANGLE = `<path d="M16 8l8.5 15h-17z" ${WHITE}/>`;
const RING = `<circle cx="16" cy="16" r="6.5" ${STROKE} stroke-width="3.5"/>`;
const SQUARE = `<rect x="10" y="10" width="12" height="12" rx="2.5" ${WHITE}/>`;
const CROSS = `<path d="M13 8h6v5h5v6h-5v5h-6v-5H8v-6h5z" ${WHITE}/>`;
const DOTS = `<circle cx="12" cy="16" r="3.5" ${WHITE}/><circle cx="20" cy="16" r="3.5" ${WHITE}/>`;
const PEAK = `<path d="M7 23l9-14 9 14z" ${STROKE}/>`;
const PROMPT = `<path d="M9 11l5 5-5 5M16.5 21H23" ${STROKE}/>`;
const LINK = `<rect x="6" y="12" width="12" height="8" rx="4" ${STROKE}/><rect x="14" y="12" width="12" height="8" rx="4" ${STROKE}/>`;

/** Known chains by id. */
const MARKS: Record<number, Mark> = {
  1: { colour: "#5468d4", shape: DIAMOND },
  11155111: { colour: "#2f8f83", shape: DIAMOND, testnet: true },
  17000: { colour: "#c7772a", shape: DIAMOND, testnet: true },
  560048: { colour: "#7a5bc7", shape: DIAMOND, testnet: true },
  137: { colour: "#7b3fe4", shape: HEXAGON },
  80002: { colour: "#7b3fe4", shape: HEXAGON, testnet: true },
  42161: { colour: "#2d6fb7", shape: TRIANGLE },
  421614: { colour: "#2d6fb7", shape: TRIANGLE, testnet: true },
  10: { colour: "#d9363e", shape: RING },
  11155420: { colour: "#d9363e", shape: RING, testnet: true },
  8453: { colour: "#1f5fe0", shape: SQUARE },
  84532: { colour: "#1f5fe0", shape: SQUARE, testnet: true },
  56: { colour: "#c9a100", shape: CROSS },
  100: { colour: "#2e7d5b", shape: DOTS },
  43114: { colour: "#c62f2f", shape: PEAK },
  // Local development chains (anvil, Hardhat; Ganache and geth --dev).
  31337: { colour: "#3b4250", shape: PROMPT },
  1337: { colour: "#3b4250", shape: PROMPT },
};

const GENERIC: Mark = { colour: "#5f6b7a", shape: LINK };

const DASHED_RING =
  '<circle cx="16" cy="16" r="14" fill="none" stroke="#fff" stroke-width="1.5" stroke-dasharray="3 2.5"/>';

function svg(mark: Mark): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">' +
    `<circle cx="16" cy="16" r="16" fill="${mark.colour}"/>` +
    (mark.testnet ? DASHED_RING : "") +
    mark.shape +
    "</svg>"
  );
}

const cache = new Map<number | undefined, string>();

/**
 * The logo of a chain as a `data:image/svg+xml` URI (percent-encoded, so it is safe in an
 * HTML attribute, a CSS `url()` and JSON alike); a generic mark for chains not listed.
 * @example chainLogo(1) // "data:image/svg+xml,%3Csvg%20xmlns…"
 */
export function chainLogo(chainId: number | undefined): string {
  const known = chainId === undefined ? undefined : MARKS[chainId];
  const key = known ? chainId : undefined;
  let uri = cache.get(key);
  if (uri === undefined) {
    uri = `data:image/svg+xml,${encodeURIComponent(svg(known ?? GENERIC))}`;
    cache.set(key, uri);
  }
  return uri;
}

/** Whether `value` can be shown as an image as it is: an https URL or a raster/SVG data URI. */
export function isImageUrl(value: string): boolean {
  if (/^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(value)) return true;
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * A card's logo: the one configured for the network when it is an image URL, else the chain's
 * own mark. Cards stored with `logo: ""` (before logos existed) read with their chain's mark.
 */
export function networkLogo(logo: string | undefined, chainId: number | undefined): string {
  return logo && logo.length <= 2000 && isImageUrl(logo) ? logo : chainLogo(chainId);
}
