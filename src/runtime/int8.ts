// int8 kernels with TFLite's reference integer semantics (tensorflow/lite/kernels/
// internal/reference/integer_ops): int32 accumulation of (q − zero point) products,
// an int32 bias, requantisation by a Q0.31 multiplier and a shift, clamping to the
// fused activation's range. Activations are [H, W, C] (channels last).
import { ConvShape } from './conv.js';
import { fail } from './errors.js';
import { expNeg, mbqm, quantizeMultiplier, rdbpot, reciprocalOnePlus, srdhm, clz } from './fixedpoint.js';

/** What an int8 op needs beyond its data, fixed at load (TFLite's Prepare). */
export interface QuantOp {
  inZp: number;
  outZp: number;
  /** Per output channel (or one): multiplier, shift pairs. */
  mult: Int32Array;
  /** Requantising in float32 (XNNPACK) instead: the per-channel float32 scales, else null. */
  fscale: Float32Array | null;
  /** Clamp range of the output (the fused activation in the quantized domain). */
  qmin: number;
  qmax: number;
}

var f32 = new Float32Array(1);

/** float → int8 as TFLite quantizes (float32 division, round half away from zero), unclamped. */
export function quantizeValue(v: number, scale: number, zp: number): number {
  f32[0] = v / scale;
  var r = f32[0];
  return zp + (r < 0 ? -Math.floor(-r + 0.5) : Math.floor(r + 0.5));
}

/** The int8 range of a float clip [lo, hi] (TFLite CalculateActivationRangeQuantized). */
export function clampRange(q: QuantOp, lo: number, hi: number, scale: number): void {
  q.qmin = -128;
  q.qmax = 127;
  // Each bound clamped into int8 both ways: a clip above (or below) every int8 value
  // clamps everything to 127 (or -128), and the bounds stay valid int32s for wasm.
  if (lo > -Infinity) q.qmin = Math.min(127, Math.max(-128, quantizeValue(lo, scale, q.outZp)));
  if (hi < Infinity) q.qmax = Math.max(-128, Math.min(127, quantizeValue(hi, scale, q.outZp)));
}

/**
 * Sets q's requantisation for real scales inScale·wScale[c]/outScale, one per channel:
 * Q0.31 multiplier and shift pairs, or (float32 mode, as XNNPACK) the scales rounded to float32.
 */
export function setScales(
  q: QuantOp,
  inScale: number,
  wScale: Float32Array,
  outScale: number,
  float: boolean,
  where: string,
  at: number,
): void {
  var n = wScale.length;
  q.mult = new Int32Array(n * 2);
  if (float) q.fscale = new Float32Array(n);
  for (var c = 0; c < n; c++) {
    var m = (inScale * wScale[c]) / outScale;
    // TFLite's multiplier is q·2^shift with shift ≤ 31: a larger one shifts the int32 sum
    // out of range (JS and wasm wrap the shift count differently), and any sum of 1 or
    // more saturates anyway. A negative one (a negative weight scale) has no Q0.31 form.
    if (!(m >= 0 && m < 2147483648))
      fail(
        where,
        at + 4 * c,
        'requantisation scale ' + m + ' (input × weight / output scale) is not in [0, 2^31)',
      );
    quantizeMultiplier(m, q.mult, 2 * c);
    if (float) q.fscale![c] = m;
  }
}

function requant(acc: number, q: QuantOp, c: number): number {
  var v: number;
  if (q.fscale) {
    // float32(acc) × scale, rounded to float32, then to the nearest integer, ties to even;
    // acc wrapped to int32 first, as the int32 accumulator of TFLite (and of wasm) wraps.
    f32[0] = acc | 0;
    f32[0] = f32[0] * q.fscale[q.fscale.length > 1 ? c : 0];
    var r = f32[0];
    v = Math.floor(r);
    var frac = r - v;
    if (frac > 0.5 || (frac === 0.5 && v % 2 !== 0)) v++;
    v += q.outZp;
  } else {
    var m = q.mult.length > 2 ? 2 * c : 0;
    v = mbqm(acc | 0, q.mult[m], q.mult[m + 1]) + q.outZp;
  }
  return v < q.qmin ? q.qmin : v > q.qmax ? q.qmax : v;
}

/** One fully connected output: requant(Σ (w[wAt + i] − wZp)(x[i] − inZp) + bias), for channel o. */
export function denseRowInt8(
  x: Int8Array,
  w: Int8Array,
  wAt: number,
  wZp: number,
  bias: number,
  inN: number,
  q: QuantOp,
  o: number,
): number {
  var acc = 0;
  for (var i = 0; i < inN; i++) acc += (w[wAt + i] - wZp) * (x[i] - q.inZp);
  return requant(acc + bias, q, o);
}

/**
 * One output channel of a grouped 2-D convolution (plain, depthwise and in between),
 * int8 per-channel: `w` from `wAt` holds the channel's [kH, kW, inC/groups] weights
 * (symmetric: zero point 0). Cells outside the input are skipped (zero padding).
 */
export function convInt8Channel(
  x: Int8Array,
  w: Int8Array,
  wAt: number,
  bias: number,
  out: Int8Array,
  oc: number,
  g: ConvShape,
  q: QuantOp,
): void {
  var c0 = ((oc / g.ocg) | 0) * g.icg;
  for (var oy = 0; oy < g.oh; oy++) {
    var y0 = oy * g.sh - g.pt;
    for (var ox = 0; ox < g.ow; ox++) {
      var x0 = ox * g.sw - g.pl;
      var acc = 0;
      for (var ky = 0; ky < g.kh; ky++) {
        var iy = y0 + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (var kx = 0; kx < g.kw; kx++) {
          var ix = x0 + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          var xi = (iy * g.w + ix) * g.c + c0;
          var wi = wAt + (ky * g.kw + kx) * g.icg;
          for (var c = 0; c < g.icg; c++) acc += w[wi + c] * (x[xi + c] - q.inZp);
        }
      }
      out[(oy * g.ow + ox) * g.oc + oc] = requant(acc + bias, q, oc);
    }
  }
}

/**
 * Max or average pooling; p as the float pool's (kernel h w, strides h w, pads t l b r).
 * Only cells inside the input count; the average rounds half away from zero, as TFLite.
 */
export function poolInt8(
  x: Int8Array,
  inShape: number[],
  out: Int8Array,
  outShape: number[],
  p: number[],
  isMax: boolean,
  q: QuantOp,
): void {
  var H = inShape[0];
  var W = inShape[1];
  var C = inShape[2];
  var ow = outShape[1];
  for (var oy = 0; oy < outShape[0]; oy++) {
    var y0 = oy * p[2] - p[4];
    for (var ox = 0; ox < ow; ox++) {
      var x0 = ox * p[3] - p[5];
      for (var c = 0; c < C; c++) {
        var acc = isMax ? -128 : 0;
        var n = 0;
        for (var ky = 0; ky < p[0]; ky++) {
          var iy = y0 + ky;
          if (iy < 0 || iy >= H) continue;
          for (var kx = 0; kx < p[1]; kx++) {
            var ix = x0 + kx;
            if (ix < 0 || ix >= W) continue;
            var v = x[(iy * W + ix) * C + c];
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
            n++;
          }
        }
        // C's integer division truncates toward zero.
        if (!isMax && n > 0)
          acc = acc > 0 ? Math.floor((acc + (n >> 1)) / n) : -Math.floor((-acc + (n >> 1)) / n);
        out[(oy * ow + ox) * C + c] = acc < q.qmin ? q.qmin : acc > q.qmax ? q.qmax : acc;
      }
    }
  }
}

/** relu / clip on int8 values of one quantization: a clamp to [qmin, qmax]. */
export function clampInt8(x: Int8Array, out: Int8Array, n: number, q: QuantOp): void {
  for (var i = 0; i < n; i++) out[i] = x[i] < q.qmin ? q.qmin : x[i] > q.qmax ? q.qmax : x[i];
}

/** What int8 addition needs (TFLite's AddOp Prepare, left shift 20). */
export interface AddParams {
  z1: number;
  z2: number;
  outZp: number;
  /** multiplier, shift for input 1, input 2, output. */
  mult: Int32Array;
}

export function addParams(s1: number, z1: number, s2: number, z2: number, so: number, zo: number): AddParams {
  var twiceMax = 2 * Math.max(s1, s2);
  var mult = new Int32Array(6);
  quantizeMultiplier(s1 / twiceMax, mult, 0);
  quantizeMultiplier(s2 / twiceMax, mult, 2);
  quantizeMultiplier(twiceMax / (1048576 * so), mult, 4);
  return { z1: z1, z2: z2, outZp: zo, mult: mult };
}

/** out = a + b elementwise in the quantized domain (TFLite's AddElementwise). */
export function addInt8(a: Int8Array, b: Int8Array, out: Int8Array, n: number, p: AddParams): void {
  var m = p.mult;
  for (var i = 0; i < n; i++) {
    var v1 = mbqm((a[i] - p.z1) << 20, m[0], m[1]);
    var v2 = mbqm((b[i] - p.z2) << 20, m[2], m[3]);
    var v = mbqm((v1 + v2) | 0, m[4], m[5]) + p.outZp;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

/** What int8 softmax needs (TFLite's SoftmaxPrepare: beta·scale as a Q5.26 multiplier). */
export interface SoftmaxParams {
  mult: number;
  shift: number;
  diffMin: number;
}

export function softmaxParams(beta: number, inScale: number): SoftmaxParams {
  var m = new Int32Array(2);
  quantizeMultiplier(Math.min(beta * inScale * (1 << 26), 2147483647), m, 0);
  // CalculateInputRadius(5, shift): the largest input difference that cannot overflow.
  var radius = Math.floor((31 * 67108864) / Math.pow(2, m[1]));
  return { mult: m[0], shift: m[1], diffMin: -radius };
}

/**
 * Softmax over each run of `depth` values, int8 in, int8 out with scale 1/256 and zero
 * point −128, in gemmlowp fixed point as TFLite's reference kernel computes it.
 */
export function softmaxInt8(x: Int8Array, out: Int8Array, n: number, depth: number, p: SoftmaxParams): void {
  for (var s = 0; s < n; s += depth) {
    var max = -128;
    var c: number;
    for (c = 0; c < depth; c++) if (x[s + c] > max) max = x[s + c];
    var sum = 0;
    for (c = 0; c < depth; c++) {
      var d = x[s + c] - max;
      // exp in Q0.31, rescaled to the Q12.19 accumulator.
      if (d >= p.diffMin) sum = (sum + rdbpot(expNeg(srdhm(d << p.shift, p.mult)), 12)) | 0;
    }
    var headroom = clz(sum);
    var bitsOverUnit = 12 - headroom;
    var scale = reciprocalOnePlus(((sum << headroom) - 2147483648) | 0);
    for (c = 0; c < depth; c++) {
      d = x[s + c] - max;
      var v = -128;
      if (d >= p.diffMin) {
        v = rdbpot(srdhm(scale, expNeg(srdhm(d << p.shift, p.mult))), bitsOverUnit + 23) - 128;
        v = v < -128 ? -128 : v > 127 ? 127 : v;
      }
      out[s + c] = v;
    }
  }
}
