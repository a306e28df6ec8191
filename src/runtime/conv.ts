// 2-D convolution over channels-last activations ([H, W, C], no batch), one output
// channel at a time: that channel's weights are one row [kH, kW, inC/groups], so a
// streamed plan decodes exactly one row per channel. Covers grouped and depthwise
// (groups = inC, with any depth multiplier) convolutions, strides, pads, dilations.

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
 */
export function convChannel(
  x: Float32Array,
  w: Float32Array,
  wAt: number,
  b: number,
  out: Float32Array,
  o: number,
  s: ConvShape,
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
  for (var oy = 0; oy < oh; oy++) {
    var y0 = oy * sh - s.pt;
    for (var ox = 0; ox < ow; ox++) {
      var x0 = ox * sw - s.pl;
      var acc = b;
      for (var ky = 0; ky < kh; ky++) {
        var iy = y0 + ky * dh;
        if (iy < 0 || iy >= h) continue;
        var wy = wAt + ky * rowW;
        var xy = iy * wd;
        for (var kx = 0; kx < kw; kx++) {
          var ix = x0 + kx * dw;
          if (ix < 0 || ix >= wd) continue;
          var xi = (xy + ix) * c + c0;
          var wi = wy + kx * icg;
          for (var i = 0; i < icg; i++) acc += w[wi + i] * x[xi + i];
        }
      }
      out[(oy * ow + ox) * oc + o] = acc < lo ? lo : acc > hi ? hi : acc;
    }
  }
}
