/**
 * Context novelty (the idea behind contextOSE and ARTime on NAB): quantise each value into a
 * level, and ask whether the latest run of levels — its "context" — has been seen before. A
 * value at a level never seen, or a familiar value after an unfamiliar run, is novel; a daily
 * pattern with sharp edges is not, once its edges have been seen a few times. The older
 * levels of a context are coarser than the latest one (`coarse` halvings): noise that moves a
 * value across a fine level edge would otherwise make every noisy run look new; on NAB that
 * was most of the false positives on daily patterns.
 *
 * Contexts are remembered in two Bloom filters of fixed size: `cur` takes every new context,
 * and when it is a quarter full it becomes `old` and a fresh one starts, so memory stays
 * bounded and contexts not seen for two generations are forgotten. The filters are arrays of
 * 31-bit integers, so the state stays plain JSON.
 */

export interface NoveltyParams {
  /** Levels across the range seen during the first `learnAfter` points. */
  levels: number;
  /** The step doubles when the range seen spans more than spread × levels steps. */
  spread: number;
  /** Longest context, in points. */
  context: number;
  /** Bits per Bloom filter (a multiple of 31 is used). */
  bits: number;
  /** Points outside the level grid needed before the grid widens (one spike does not). */
  confirm: number;
  /** Points seen before the level step is fixed and contexts start to be learned. */
  learnAfter: number;
  /** Novelty of a familiar level in an unfamiliar context (a new level is always 1). */
  contextWeight: number;
  /** Older levels of a context are coarsened by this many halvings (noise-tolerant edges). */
  coarse: number;
}

export interface NoveltyState {
  /** Value per level; 0 until fixed. */
  step: number;
  min: number;
  max: number;
  /** Lowest level of the grid; values beyond the grid saturate one level outside it. */
  base: number;
  /** Points outside the grid since it was last set. */
  outside: number;
  /** The latest `context` levels, newest last. */
  recent: number[];
  cur: number[];
  old: number[];
  /** Bits set in `cur`. */
  fill: number;
  seen: number;
}

const WORD = 31;
const LEVEL_LIMIT = 2 ** 30;
/** A filter is retired when this share of its bits is set (false positives ≈ 6% with 2 probes). */
const RETIRE = 0.25;

export function createNovelty(p: NoveltyParams): NoveltyState {
  const words = Math.max(1, Math.ceil(p.bits / WORD));
  return {
    step: 0,
    min: 0,
    max: 0,
    base: 0,
    outside: 0,
    recent: [],
    cur: Array.from({ length: words }, () => 0),
    old: Array.from({ length: words }, () => 0),
    fill: 0,
    seen: 0,
  };
}

/** Murmur3's 32-bit finaliser: spreads a hash over all bits. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function has(filter: readonly number[], h: number): boolean {
  const bits = filter.length * WORD;
  const a = h % bits;
  const b = mix(h + 0x9e3779b9) % bits;
  return (
    (((filter[Math.floor(a / WORD)] ?? 0) >>> (a % WORD)) & 1) === 1 &&
    (((filter[Math.floor(b / WORD)] ?? 0) >>> (b % WORD)) & 1) === 1
  );
}

/** Sets the two probe bits of `h` in `cur`, counting newly set bits. */
function add(s: NoveltyState, h: number): void {
  const bits = s.cur.length * WORD;
  for (const i of [h % bits, mix(h + 0x9e3779b9) % bits]) {
    const w = Math.floor(i / WORD);
    const word = s.cur[w] ?? 0;
    const bit = 1 << (i % WORD);
    if ((word & bit) === 0) {
      s.cur[w] = word | bit;
      s.fill++;
    }
  }
}

function level(s: NoveltyState, p: NoveltyParams, x: number): number {
  const q = Math.max(-LEVEL_LIMIT, Math.min(LEVEL_LIMIT, Math.floor(x / s.step)));
  const top = s.base + p.spread * p.levels;
  if (q >= s.base && q <= top) return q;
  s.outside++;
  return q < s.base ? s.base - 1 : top + 1;
}

/**
 * Once `confirm` points have fallen outside the grid, moves the grid to cover the range seen,
 * doubling the step until that range spans at most spread × levels steps. Doubling makes the
 * learned contexts stale, so they are kept only as the old generation.
 */
function rescale(s: NoveltyState, p: NoveltyParams): void {
  if (s.outside < p.confirm) return;
  s.outside = 0;
  let grew = false;
  while (s.max - s.min > p.spread * p.levels * s.step && s.step < 1e300) {
    s.step *= 2;
    grew = true;
  }
  s.base = Math.floor(s.min / s.step);
  if (!grew) return;
  s.recent = s.recent.map((q) => Math.floor(q / 2));
  s.old = s.cur;
  s.cur = s.cur.map(() => 0);
  s.fill = 0;
}

/**
 * Learns `x` and returns its novelty in [0, 1]: 1 when its level is new, else `contextWeight`
 * times the share of context lengths 2..context that are new (0 when the whole context has
 * been seen). A weight below 1 makes a familiar value in a new context count only while
 * novelty is rare in the series, a new value always.
 */
export function novelty(s: NoveltyState, p: NoveltyParams, x: number): number {
  if (s.seen === 0) {
    s.min = x;
    s.max = x;
  }
  s.seen++;
  s.min = Math.min(s.min, x);
  s.max = Math.max(s.max, x);
  if (s.step === 0) {
    if (s.seen < p.learnAfter) return 0;
    const span = s.max - s.min;
    s.step = span > 0 ? span / p.levels : Math.max(Math.abs(x), 1e-9) / p.levels;
    s.base = Math.floor(s.min / s.step);
  }
  s.recent.push(level(s, p, x));
  rescale(s, p);
  if (s.recent.length > p.context) s.recent.shift();
  let h = 0x811c9dc5;
  let known = 0;
  for (let j = s.recent.length - 1; j >= 0; j--) {
    const q = s.recent[j] ?? 0;
    const lv = j === s.recent.length - 1 ? q : Math.floor(q / 2 ** p.coarse);
    h = mix(Math.imul(h ^ (lv | 0), 0x01000193) ^ j);
    if (known === s.recent.length - 1 - j && (has(s.cur, h) || has(s.old, h))) known++;
    add(s, h);
  }
  if (s.fill > RETIRE * s.cur.length * WORD) {
    s.old = s.cur;
    s.cur = s.cur.map(() => 0);
    s.fill = 0;
  }
  if (known === 0) return 1;
  return (p.contextWeight * (p.context - known)) / Math.max(1, p.context - 1);
}
