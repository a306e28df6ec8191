// Dense layers over rows in flash (device-form.ts), the way Espruino runs them fast: JS
// once per row, native code per weight. A row is copied into RAM as one block, its dot
// product is one E.convolve; a sparse row gathers its inputs with one E.mapInPlace.
import type { Rows } from './device-form.js';

/** Espruino's E.convolve and E.mapInPlace (kernels.ts Native describes convolve). */
export interface RowNative {
  convolve(arr1: ArrayLike<number>, arr2: ArrayLike<number>, offset: number): number;
  mapInPlace(from: ArrayLike<number>, to: Float32Array, map: Float32Array): void;
}

/** Row `k` of dense rows, as float32 values in RAM. */
export function denseRow(w: Rows, k: number): Float32Array {
  var n = w.rowLength;
  return new Float32Array(w.block(w.at + k * n * 4, n * 4));
}

/** out = W·x + b over rows in flash; `gathered` holds a row's worth of gathered inputs. */
export function denseFlash(
  x: Float32Array,
  w: Rows,
  b: Float32Array | null,
  out: Float32Array,
  gathered: Float32Array,
  nat: RowNative,
): void {
  var rows = w.rows;
  var o: number;
  if (!w.table) {
    // x has exactly a row's length, so convolve walks each row once from its start.
    for (o = 0; o < rows; o++) out[o] = (b ? b[o] : 0) + nat.convolve(x, denseRow(w, o), 0);
    return;
  }
  var t = w.table;
  for (o = 0; o < rows; o++) {
    var acc = b ? b[o] : 0;
    var c = t[2 * o + 1];
    if (c) {
      var pad = (c * 2 + 3) & ~3;
      var block = w.block(t[2 * o], pad + c * 4);
      // gathered[i] = x[cols[i]], then the values (exactly c of them) dot the gathered inputs.
      nat.mapInPlace(new Uint16Array(block, 0, c), gathered, x);
      acc += nat.convolve(new Float32Array(block, pad, c), gathered, 0);
    }
    out[o] = acc;
  }
}
