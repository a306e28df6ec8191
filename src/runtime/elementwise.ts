// Ops that move or combine whole tensors: broadcast add/mul/prelu, concat, pad,
// transpose, reduce-mean and the product of two computed matrices. All walk an index odometer over a shape with per-operand
// strides (0 along broadcast axes), so one loop serves every rank up to 8.
import { OP_ADD, OP_MUL, stridesOf } from './ops.js';

/**
 * out = a ∘ b with numpy broadcasting: `sa` and `sb` are the operands' strides aligned
 * to `shape` (the output's). ∘ is + (add), × (mul), or prelu: a ≥ 0 ? a : b × a.
 */
export function binary(
  code: number,
  a: Float32Array,
  sa: number[],
  b: Float32Array,
  sb: number[],
  out: Float32Array,
  shape: number[],
  idx: number[],
): void {
  var n = out.length;
  var rank = shape.length;
  var d: number;
  for (d = 0; d < rank; d++) idx[d] = 0;
  var ia = 0;
  var ib = 0;
  for (var i = 0; i < n; i++) {
    var x = a[ia];
    var y = b[ib];
    out[i] = code === OP_ADD ? x + y : code === OP_MUL ? x * y : x >= 0 ? x : x * y;
    for (d = rank - 1; d >= 0; d--) {
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Walks every index of `shape`: dst[to + Σ idx·ds] = src[Σ idx·ss] (or += when `add`).
 */
export function walk(
  src: Float32Array,
  ss: number[],
  dst: Float32Array,
  to: number,
  ds: number[],
  shape: number[],
  idx: number[],
  add: boolean,
): void {
  var rank = shape.length;
  var n = 1;
  var d: number;
  for (d = 0; d < rank; d++) {
    n *= shape[d];
    idx[d] = 0;
  }
  var is = 0;
  var id = to;
  for (var i = 0; i < n; i++) {
    if (add) dst[id] += src[is];
    else dst[id] = src[is];
    for (d = rank - 1; d >= 0; d--) {
      is += ss[d];
      id += ds[d];
      if (++idx[d] < shape[d]) break;
      is -= ss[d] * shape[d];
      id -= ds[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Transpose: `ps` are the input's strides in output axis order (from the op's checks). */
export function transpose(
  x: Float32Array,
  ps: number[],
  out: Float32Array,
  outShape: number[],
  idx: number[],
): void {
  walk(x, ps, out, 0, stridesOf(outShape), outShape, idx, false);
}

/** Each input in turn, placed at its offset along `axis` of the output. */
export function concat(
  xs: Float32Array[],
  shapes: number[][],
  out: Float32Array,
  outShape: number[],
  axis: number,
  idx: number[],
): void {
  var os = stridesOf(outShape);
  var at = 0;
  for (var k = 0; k < xs.length; k++) {
    walk(xs[k], stridesOf(shapes[k]), out, at * os[axis], os, shapes[k], idx, false);
    at += shapes[k][axis];
  }
}

/** Constant padding: `value` everywhere, then x placed at offsets `begins`. */
export function pad(
  x: Float32Array,
  inShape: number[],
  out: Float32Array,
  outShape: number[],
  begins: number[],
  p: number[],
  idx: number[],
): void {
  if (p[1]) {
    padMirror(x, inShape, out, outShape, begins, p[1] === 1, idx);
    return;
  }
  var value = p[0];
  for (var i = 0; i < out.length; i++) out[i] = value;
  var os = stridesOf(outShape);
  var to = 0;
  for (var d = 0; d < begins.length; d++) to += begins[d] * os[d];
  walk(x, stridesOf(inShape), out, to, os, inShape, idx, false);
}

/**
 * Reflect (mirror without repeating the edge) or edge (repeat the edge) padding: each
 * output index reads the input index it maps to, axis by axis (pads are smaller than
 * the input, so one reflection suffices).
 */
function padMirror(
  x: Float32Array,
  inShape: number[],
  out: Float32Array,
  outShape: number[],
  begins: number[],
  reflect: boolean,
  idx: number[],
): void {
  var rank = outShape.length;
  var st = stridesOf(inShape);
  var d: number;
  for (d = 0; d < rank; d++) idx[d] = 0;
  for (var i = 0; i < out.length; i++) {
    var at = 0;
    for (d = 0; d < rank; d++) {
      var n = inShape[d];
      var j = idx[d] - begins[d];
      if (j < 0) j = reflect ? -j : 0;
      else if (j >= n) j = reflect ? 2 * n - 2 - j : n - 1;
      at += j * st[d];
    }
    out[i] = x[at];
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Mean over `axes`; the output holds the kept axes in order (keepdims or not alike). */
export function reduceMean(
  x: Float32Array,
  inShape: number[],
  out: Float32Array,
  axes: number[],
  idx: number[],
): void {
  var reduced: boolean[] = [];
  var d: number;
  for (d = 0; d < axes.length; d++) reduced[axes[d]] = true;
  var ds: number[] = [];
  var k = 1;
  var count = 1;
  for (d = inShape.length - 1; d >= 0; d--) {
    if (reduced[d]) {
      ds[d] = 0;
      count *= inShape[d];
    } else {
      ds[d] = k;
      k *= inShape[d];
    }
  }
  for (var i = 0; i < out.length; i++) out[i] = 0;
  walk(x, stridesOf(inShape), out, 0, ds, inShape, idx, true);
  for (i = 0; i < out.length; i++) out[i] /= count;
}

/** out [m, n] = a [m, k] · b [k, n], both computed values. Sums in double precision. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  for (var i = 0; i < m; i++) {
    for (var j = 0; j < n; j++) {
      var acc = 0;
      for (var t = 0; t < k; t++) acc += a[i * k + t] * b[t * n + j];
      out[i * n + j] = acc;
    }
  }
}
