// The op kernels: plain loops over typed arrays, no allocation (but for the views that
// Espruino's native dot product needs).
import { readValues, restart, ValueReader } from './decode.js';
import { fail } from './errors.js';
import { readRun, rewind } from './symbols.js';
import { viewable } from './cursor.js';

/**
 * Espruino's `E` (detected at load): E.convolve(arr1, arr2, offset) is, per Espruino's
 * reference (src/jswrap_espruino.c), "equivalent to `v=0;for (i in arr1) v+=arr1[i] *
 * arr2[(i+offset) % arr2.length]`", computed in C with a double accumulator. With arr1 = x
 * (exactly inN values), arr2 a row of inN or more weights and offset 0, it is the row's
 * dot product. Not the offset to reach a row: Espruino steps an iterator `offset` times.
 */
export interface Native {
  convolve(arr1: Float32Array, arr2: Float32Array, offset: number): number;
  /** E.sum: the sum of an array's elements, natively. */
  sum?(arr: ArrayLike<number>): number;
}

/** out = W·x + b, with W row-major [outN, inN]. Sums in double precision. */
export function dense(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  out: Float32Array,
  inN: number,
  outN: number,
  nat: Native | null,
): void {
  var row = 0;
  for (var o = 0; o < outN; o++) {
    var acc = b ? b[o] : 0;
    // Espruino throws for a view at 64 KB or more: such rows take the plain loop.
    if (nat && viewable(w.byteOffset + row * 4)) acc += nat.convolve(x, w.subarray(row, row + inN), 0);
    else for (var i = 0; i < inN; i++) acc += w[row + i] * x[i];
    out[o] = acc;
    row += inN;
  }
}

/** dense() over weights decoded a row at a time from their stored form into `row`. */
export function denseRows(
  x: Float32Array,
  w: ValueReader,
  row: Float32Array,
  b: Float32Array | null,
  out: Float32Array,
  inN: number,
  outN: number,
  nat: Native | null,
): void {
  restart(w);
  for (var o = 0; o < outN; o++) {
    readValues(w, row, inN);
    var acc = b ? b[o] : 0;
    // x has exactly inN values; `row` may be longer (only its first inN are read).
    if (nat) acc += nat.convolve(x, row, 0);
    else for (var i = 0; i < inN; i++) acc += row[i] * x[i];
    out[o] = acc;
  }
}

/**
 * dense() over sparse weights, visiting only the stored entries: gaps and values are
 * decoded `gaps.length` at a time, and each entry adds weight × input to its row. Entries
 * come in row order, so each row is summed in one double, as dense() sums it: the two
 * plans ('stream' here, 'cache' through dense()) give bit-identical outputs.
 */
export function denseSparse(
  x: Float32Array,
  w: ValueReader,
  gaps: Uint8Array,
  vals: Float32Array,
  b: Float32Array | null,
  out: Float32Array,
  inN: number,
  outN: number,
): void {
  var t = w.t;
  var gs = w.gaps!;
  var left = t.gaps!.count;
  // The kernel reads the streams itself (the reader's own sparse state is not used).
  rewind(gs);
  if (w.index) rewind(w.index);
  var pos = -1;
  var row = 0;
  var col = -1;
  var e = 0;
  var acc = b && outN ? b[0] : 0;
  while (left > 0) {
    var k = left < gaps.length ? left : gaps.length;
    readRun(gs, gaps, k, null);
    if (w.index) readRun(w.index, vals, k, t.floats);
    else for (var j = 0; j < k; j++) vals[j] = t.floats![e + j];
    for (j = 0; j < k; j++) {
      var g = gaps[j] + 1;
      pos += g;
      col += g;
      while (col >= inN && row < outN) {
        col -= inN;
        out[row++] = acc;
        acc = b && row < outN ? b[row] : 0;
      }
      if (row >= outN)
        fail(gs.where, gs.pos, 'entry ' + (e + j) + ' lands at ' + pos + ', past ' + t.size + ' weights');
      acc += vals[j] * x[col];
    }
    e += k;
    left -= k;
  }
  // The row of the last entry, then the rows after it (bias only).
  for (; row < outN; row++) {
    out[row] = acc;
    acc = b && row + 1 < outN ? b[row + 1] : 0;
  }
}

/** Softmax over each run of `last` values (the last axis), shifted by the max for stability. */
export function softmax(x: Float32Array, out: Float32Array, n: number, last: number): void {
  for (var s = 0; s < n; s += last) {
    var max = x[s];
    var i: number;
    for (i = 1; i < last; i++) if (x[s + i] > max) max = x[s + i];
    var sum = 0;
    for (i = 0; i < last; i++) sum += out[s + i] = Math.exp(x[s + i] - max);
    for (i = 0; i < last; i++) out[s + i] /= sum;
  }
}
