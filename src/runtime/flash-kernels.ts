// Dense layers over rows in flash (device-form.ts), the way Espruino runs them fast: JS
// once per row, native code per weight. A row is copied into RAM as one block, its dot
// product is one E.convolve; a sparse row gathers its inputs with one E.mapInPlace, a row
// of cluster codes is unpacked and looked up by one E.mapInPlace.
import type { Rows } from './device-form.js';

/** Espruino's E.convolve and E.mapInPlace (kernels.ts Native describes convolve). */
export interface RowNative {
  convolve(arr1: ArrayLike<number>, arr2: ArrayLike<number>, offset: number): number;
  /** to[i] = map[from[i]], `from` read as packed `bits`-bit codes (MSB first) when given. */
  mapInPlace(from: ArrayLike<number>, to: Float32Array, map: Float32Array, bits?: number): void;
}

/** Row `k`'s packed codes (code rows): a view when the rows are in RAM, else a block read. */
function codesOf(w: Rows, k: number): Uint8Array {
  var rb = w.rowBytes;
  return w.packed ? w.packed.subarray(k * rb, (k + 1) * rb) : new Uint8Array(w.block(w.at + k * rb, rb));
}

/**
 * Rows k .. k + n - 1 of dense or code rows as float32 values, one after the other.
 * `reuse`: the caller reads them many times (a conv's kernels), so float32 rows are copied
 * into RAM once (a read from flash costs ~1 µs a value every time); a dense layer reads
 * each row once, in place.
 */
export function rowValues(w: Rows, k: number, n: number, nat: RowNative, reuse: boolean): Float32Array {
  var len = w.rowLength;
  if (!w.codebook) {
    var rows = new Float32Array(w.block(w.at + k * len * 4, n * len * 4));
    return reuse ? new Float32Array(rows) : rows;
  }
  var out = new Float32Array(n * len);
  // A single row unpacks straight into `out`; several into views of it (offsets stay small).
  for (var j = 0; j < n; j++)
    nat.mapInPlace(
      codesOf(w, k + j),
      n === 1 ? out : out.subarray(j * len, (j + 1) * len),
      w.codebook,
      w.bits,
    );
  return out;
}

/**
 * out = W·x + b over rows in flash, clamped at 0 when `relu` (a fused ReLU: a compare per
 * row here costs less than a pass of its own); `gathered` holds a row's worth of gathered
 * inputs.
 */
export function denseFlash(
  x: Float32Array,
  w: Rows,
  b: Float32Array | null,
  out: Float32Array,
  gathered: Float32Array,
  nat: RowNative,
  relu: boolean,
): void {
  var lo = relu ? 0 : -Infinity;
  var t = w.table;
  for (var o = 0; o < w.rows; o++) {
    var acc = b ? b[o] : 0;
    if (w.codebook) {
      // Codes unpacked and looked up into `gathered` (a row long) by one native call.
      nat.mapInPlace(codesOf(w, o), gathered, w.codebook, w.bits);
      acc += nat.convolve(x, gathered, 0);
    } else if (!t) {
      // x has exactly a row's length, so convolve walks the row once from its start.
      acc += nat.convolve(x, rowValues(w, o, 1, nat, false), 0);
    } else {
      var c = t[2 * o + 1];
      if (c) {
        var pad = (c * 2 + 3) & ~3;
        var block = w.block(t[2 * o], pad + c * 4);
        // gathered[i] = x[cols[i]], then the gathered inputs (exactly c) dot the values. The
        // values stay in flash as convolve's second array: Espruino walks its first array
        // ~10x slower when that one is in flash (measured: 25 µs a value against 2.5).
        nat.mapInPlace(new Uint16Array(block, 0, c), gathered, x);
        acc += nat.convolve(gathered.subarray(0, c), new Float32Array(block, pad, c), 0);
      }
    }
    out[o] = acc < lo ? lo : acc;
  }
}
