// Finite or refused: every float a file stores (weights, codebooks, biases, scales) must be
// finite and moderate, and what a run returns must be finite; a NaN or an Infinity is
// refused at load or reported by run(), never passed on silently.
import { fail } from './errors.js';

/** Espruino's E.variance(arr, mean): Σ(x − mean)² / n, in C with doubles. */
declare var E: { variance?: (a: ArrayLike<number>, mean: number) => number } | undefined;

/**
 * 2^64: stored floats stay below it in magnitude, so the product of two of them (a weight
 * times a scale, a scale times a scale) stays below 2^128, where float32 overflows.
 */
export var MAX_STORED = 18446744073709551616;

/** 2^-64: the smallest magnitude of a stored divisor (a normalisation std), so x / d stays below 2^128 too. */
export var MIN_DIVISOR = 1 / MAX_STORED;

/** The index of the first value of `a` that is NaN, infinite or not below MAX_STORED in magnitude, else -1. */
export function badStored(a: ArrayLike<number>): number {
  // Natively first (Espruino: a JS loop costs tens of µs a value): Σx² < 2^127 means every
  // |x| < 2^64 (with room for the rounding of ÷n·n), and NaN or ±Infinity fail the test;
  // anything else is decided by the loop.
  if (typeof E !== 'undefined' && E && E.variance && a.length)
    if (E.variance(a, 0) * a.length < (MAX_STORED * MAX_STORED) / 2) return -1;
  for (var i = 0; i < a.length; i++) if (!(a[i] < MAX_STORED && a[i] > -MAX_STORED)) return i;
  return -1;
}

/** Refuses the stored floats `a` (`what`, from byte `at`; `first`: the index of a[0]) if one is bad. */
export function checkStored(
  a: ArrayLike<number>,
  where: string,
  at: number,
  what: string,
  first: number,
): void {
  var i = badStored(a);
  if (i >= 0)
    fail(
      where,
      at + 4 * i,
      what + ' ' + (first + i) + ' is ' + a[i] + ': a stored float must be finite and below 2^64',
    );
}

/** The index of the first NaN or infinite value of `a`, else -1 (one native sum on Espruino). */
export function nonFinite(a: ArrayLike<number>, sum: ((a: ArrayLike<number>) => number) | null): number {
  if (sum) {
    var s = sum(a);
    // NaN, or ±Infinity (whose difference with itself is NaN), shows in the sum.
    if (s - s === 0) return -1;
  }
  for (var i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}
