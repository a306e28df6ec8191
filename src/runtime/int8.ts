// int8 kernels with TFLite's reference integer semantics (tensorflow/lite/kernels/
// internal/reference/integer_ops): int32 accumulation of (q − zero point) products,
// an int32 bias, requantisation by a Q0.31 multiplier and a shift, clamping to the
// fused activation's range. Activations are [H, W, C] (channels last).
import { expNeg, mbqm, quantizeMultiplier, rdbpot, reciprocalOnePlus, srdhm, clz } from './fixedpoint.js';

/** What an int8 op needs beyond its data, fixed at load (TFLite's Prepare). */
export interface QuantOp {
  inZp: number;
  outZp: number;
  /** Per output channel (or one): multiplier, shift pairs. */
  mult: Int32Array;
  /** Clamp range of the output (the fused activation in the quantized domain). */
  qmin: number;
  qmax: number;
}

/** Conv/pool geometry: input [inH, inW, inC], output [outH, outW, outC]. */
export interface Window {
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padT: number;
  padL: number;
  dilH: number;
  dilW: number;
  /** Input channels per group: inC for a plain conv, 1 for depthwise. */
  groupC: number;
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
  if (lo > -Infinity) q.qmin = Math.max(-128, quantizeValue(lo, scale, q.outZp));
  if (hi < Infinity) q.qmax = Math.min(127, quantizeValue(hi, scale, q.outZp));
}

/** Requantisation multipliers for real scales inScale·wScale[c]/outScale, one per channel. */
export function convMultipliers(inScale: number, wScale: Float32Array, outScale: number): Int32Array {
  var out = new Int32Array(wScale.length * 2);
  for (var c = 0; c < wScale.length; c++) quantizeMultiplier((inScale * wScale[c]) / outScale, out, 2 * c);
  return out;
}

function requant(acc: number, q: QuantOp, c: number): number {
  var m = q.mult.length > 2 ? 2 * c : 0;
  var v = mbqm(acc | 0, q.mult[m], q.mult[m + 1]) + q.outZp;
  return v < q.qmin ? q.qmin : v > q.qmax ? q.qmax : v;
}

/** Fully connected: out[o] = requant(Σ (w[o,i] − wZp)(x[i] − inZp) + bias[o]). */
export function denseInt8(
  x: Int8Array,
  w: Int8Array,
  wZp: number,
  bias: Int32Array | null,
  out: Int8Array,
  inN: number,
  outN: number,
  q: QuantOp,
): void {
  var row = 0;
  for (var o = 0; o < outN; o++) {
    var acc = 0;
    for (var i = 0; i < inN; i++) acc += (w[row + i] - wZp) * (x[i] - q.inZp);
    if (bias) acc += bias[o];
    out[o] = requant(acc, q, o);
    row += inN;
  }
}

/**
 * Grouped 2-D convolution (plain, depthwise, and in between), int8 per-channel. Weights
 * are [outC, kH, kW, groupC]; output channel oc reads input channels of group
 * floor(oc / (outC / groups)). Cells outside the input are skipped (zero padding).
 */
export function convInt8(
  x: Int8Array,
  w: Int8Array,
  bias: Int32Array | null,
  out: Int8Array,
  g: Window,
  q: QuantOp,
): void {
  var perGroup = (g.outC * g.groupC) / g.inC;
  var rowLen = g.kH * g.kW * g.groupC;
  for (var oc = 0; oc < g.outC; oc++) {
    var c0 = ((oc / perGroup) | 0) * g.groupC;
    var wRow = oc * rowLen;
    var b = bias ? bias[oc] : 0;
    for (var oy = 0; oy < g.outH; oy++) {
      var y0 = oy * g.strideH - g.padT;
      for (var ox = 0; ox < g.outW; ox++) {
        var x0 = ox * g.strideW - g.padL;
        var acc = 0;
        for (var ky = 0; ky < g.kH; ky++) {
          var iy = y0 + ky * g.dilH;
          if (iy < 0 || iy >= g.inH) continue;
          for (var kx = 0; kx < g.kW; kx++) {
            var ix = x0 + kx * g.dilW;
            if (ix < 0 || ix >= g.inW) continue;
            var xi = (iy * g.inW + ix) * g.inC + c0;
            var wi = wRow + (ky * g.kW + kx) * g.groupC;
            for (var c = 0; c < g.groupC; c++) acc += w[wi + c] * (x[xi + c] - q.inZp);
          }
        }
        out[(oy * g.outW + ox) * g.outC + oc] = requant(acc + b, q, oc);
      }
    }
  }
}

/** Max or average pooling over in-bounds cells; average rounds like TFLite (half away from zero). */
export function poolInt8(x: Int8Array, out: Int8Array, g: Window, isMax: boolean, q: QuantOp): void {
  var C = g.inC;
  for (var oy = 0; oy < g.outH; oy++) {
    var y0 = oy * g.strideH - g.padT;
    for (var ox = 0; ox < g.outW; ox++) {
      var x0 = ox * g.strideW - g.padL;
      for (var c = 0; c < C; c++) {
        var acc = isMax ? -128 : 0;
        var n = 0;
        for (var ky = 0; ky < g.kH; ky++) {
          var iy = y0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (var kx = 0; kx < g.kW; kx++) {
            var ix = x0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            var v = x[(iy * g.inW + ix) * C + c];
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
            n++;
          }
        }
        // C's integer division truncates toward zero.
        if (!isMax && n > 0)
          acc = acc > 0 ? Math.floor((acc + (n >> 1)) / n) : -Math.floor((-acc + (n >> 1)) / n);
        out[(oy * g.outW + ox) * C + c] = acc < q.qmin ? q.qmin : acc > q.qmax ? q.qmax : acc;
      }
    }
  }
}

/** What int8 addition needs (TFLite's AddOp Prepare, left shift 20). */
export interface AddParams {
  z1: number;
  z2: number;
  outZp: number;
  /** multiplier, shift for input 1, input 2, output. */
  mult: Int32Array;
  qmin: number;
  qmax: number;
}

export function addParams(s1: number, z1: number, s2: number, z2: number, so: number, zo: number): AddParams {
  var twiceMax = 2 * Math.max(s1, s2);
  var mult = new Int32Array(6);
  quantizeMultiplier(s1 / twiceMax, mult, 0);
  quantizeMultiplier(s2 / twiceMax, mult, 2);
  quantizeMultiplier(twiceMax / (1048576 * so), mult, 4);
  return { z1: z1, z2: z2, outZp: zo, mult: mult, qmin: -128, qmax: 127 };
}

/** out = a + b elementwise in the quantized domain; b repeats every `bn` values (broadcast of a trailing block). */
export function addInt8(
  a: Int8Array,
  b: Int8Array,
  bn: number,
  out: Int8Array,
  n: number,
  p: AddParams,
): void {
  var m = p.mult;
  for (var i = 0; i < n; i++) {
    var v1 = mbqm((a[i] - p.z1) << 20, m[0], m[1]);
    var v2 = mbqm((b[i % bn] - p.z2) << 20, m[2], m[3]);
    var v = mbqm((v1 + v2) | 0, m[4], m[5]) + p.outZp;
    out[i] = v < p.qmin ? p.qmin : v > p.qmax ? p.qmax : v;
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
