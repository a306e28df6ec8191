// 2-D convolution over channels-last activations ([H, W, C], no batch), one output
// channel at a time: that channel's weights are one row [kH, kW, inC/groups], so a
// streamed plan decodes exactly one row per channel. Covers grouped and depthwise
// (groups = inC, with any depth multiplier) convolutions, strides, pads, dilations.
import type { Native } from './kernels.js';
import { viewable } from './cursor.js';

/** Shape and attributes of one conv op, gathered once at load. */
export interface ConvShape {
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  oc: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  dh: number;
  dw: number;
  /** Input channels per group, output channels per group. */
  icg: number;
  ocg: number;
  /** Fused activation: the output is clipped to [lo, hi]. */
  lo: number;
  hi: number;
}

export function convShape(inShape: number[], outShape: number[], wShape: number[], p: number[]): ConvShape {
  var groups = p[8];
  return {
    h: inShape[0],
    w: inShape[1],
    c: inShape[2],
    oh: outShape[0],
    ow: outShape[1],
    oc: outShape[2],
    kh: wShape[1],
    kw: wShape[2],
    sh: p[0],
    sw: p[1],
    pt: p[2],
    pl: p[3],
    dh: p[6],
    dw: p[7],
    icg: inShape[2] / groups,
    ocg: outShape[2] / groups,
    lo: p[9],
    hi: p[10],
  };
}

/**
 * Output channel `o` of the convolution: out[y, x, o] for every position, from its
 * weight row w[wAt .. wAt + kH*kW*icg) and bias `b`. Sums in double precision.
 * With Espruino's E.convolve (`nat`), an ungrouped, undilated conv takes each kernel
 * row's taps as one native dot product: they are contiguous in x and in w.
 */
export function convChannel(
  x: Float32Array,
  w: Float32Array,
  wAt: number,
  b: number,
  out: Float32Array,
  o: number,
  s: ConvShape,
  nat: Native | null,
): void {
  // Every field in a local: engines without escape analysis re-read properties in loops.
  var h = s.h;
  var wd = s.w;
  var c = s.c;
  var oh = s.oh;
  var ow = s.ow;
  var oc = s.oc;
  var kh = s.kh;
  var kw = s.kw;
  var sh = s.sh;
  var sw = s.sw;
  var dh = s.dh;
  var dw = s.dw;
  var lo = s.lo;
  var hi = s.hi;
  var icg = s.icg;
  var c0 = ((o / s.ocg) | 0) * icg;
  var rowW = kw * icg;
  var pt = s.pt;
  var pl = s.pl;
  var rows = nat && dw === 1 && icg === c ? nat : null;
  for (var oy = 0; oy < oh; oy++) {
    var y0 = oy * sh - pt;
    // The kernel rows that land inside the input, found once per output row, so the
    // inner loops run without bounds checks.
    var ky0 = y0 < 0 ? ((-y0 + dh - 1) / dh) | 0 : 0;
    var ky1 = h - y0 > 0 ? ((h - y0 + dh - 1) / dh) | 0 : 0;
    if (ky1 > kh) ky1 = kh;
    for (var ox = 0; ox < ow; ox++) {
      var x0 = ox * sw - pl;
      var kx0 = x0 < 0 ? ((-x0 + dw - 1) / dw) | 0 : 0;
      var kx1 = wd - x0 > 0 ? ((wd - x0 + dw - 1) / dw) | 0 : 0;
      if (kx1 > kw) kx1 = kw;
      var acc = b;
      for (var ky = ky0; ky < ky1; ky++) {
        var wi = wAt + ky * rowW + kx0 * icg;
        var xi = ((y0 + ky * dh) * wd + x0 + kx0 * dw) * c + c0;
        var xStep = dw * c;
        var kx: number;
        // Espruino throws for a view at 64 KB or more: such rows take the plain loops.
        if (rows && viewable(x.byteOffset + xi * 4) && viewable(w.byteOffset + wi * 4)) {
          var n = (kx1 - kx0) * c;
          acc += rows.convolve(x.subarray(xi, xi + n), w.subarray(wi, wi + n), 0);
          continue;
        }
        if (icg === 1) {
          // Depthwise: one input channel per tap.
          for (kx = kx0; kx < kx1; kx++, xi += xStep) acc += w[wi++] * x[xi];
        } else {
          for (kx = kx0; kx < kx1; kx++, wi += icg, xi += xStep)
            for (var i = 0; i < icg; i++) acc += w[wi + i] * x[xi + i];
        }
      }
      out[(oy * ow + ox) * oc + o] = acc < lo ? lo : acc > hi ? hi : acc;
    }
  }
}
