/** Small numeric helpers for the streaming detector: all total, none throws, none allocates. */

/** Values beyond this are clamped so that squares and sums stay finite (1e150² = 1e300). */
export const VALUE_LIMIT = 1e150;

/** A finite number within ±VALUE_LIMIT, or undefined for NaN. */
export function clampValue(x: number): number | undefined {
  if (Number.isNaN(x)) return undefined;
  return Math.max(-VALUE_LIMIT, Math.min(VALUE_LIMIT, x));
}

/** `x` if finite, else `fallback`: keeps one bad update from poisoning persisted state. */
export function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

/**
 * −log10 of the standard normal upper tail Q(u), for u ≥ 0, computed without forming 1 − Φ(u)
 * so that large deviations stay distinguishable (Φ rounds to 1 near u ≈ 8.3).
 */
export function normalTailLog10(u: number): number {
  if (!(u > 0)) return Math.LOG10E * Math.LN2; // Q(0) = 0.5
  if (u < 5) return -Math.log10(0.5 * erfc(u / Math.SQRT2));
  // Mills-ratio asymptotic: Q(u) ≈ φ(u)/u · (1 − 1/u² + 3/u⁴).
  const lnQ =
    -0.5 * u * u - Math.log(u * Math.sqrt(2 * Math.PI)) + Math.log1p(-1 / (u * u) + 3 / u ** 4);
  return -lnQ * Math.LOG10E;
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
