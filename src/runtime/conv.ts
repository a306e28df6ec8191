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
  var icg = s.icg;
  var c0 = ((o / s.ocg) | 0) * icg;
  var rowW = s.kw * icg;
  for (var oy = 0; oy < s.oh; oy++) {
    var y0 = oy * s.sh - s.pt;
    for (var ox = 0; ox < s.ow; ox++) {
      var x0 = ox * s.sw - s.pl;
      var acc = b;
      for (var ky = 0; ky < s.kh; ky++) {
        var iy = y0 + ky * s.dh;
        if (iy < 0 || iy >= s.h) continue;
        var wy = wAt + ky * rowW;
        var xy = iy * s.w;
        for (var kx = 0; kx < s.kw; kx++) {
          var ix = x0 + kx * s.dw;
          if (ix < 0 || ix >= s.w) continue;
          var xi = (xy + ix) * s.c + c0;
          var wi = wy + kx * icg;
          for (var i = 0; i < icg; i++) acc += w[wi + i] * x[xi + i];
        }
      }
      out[(oy * s.ow + ox) * s.oc + o] = acc < s.lo ? s.lo : acc > s.hi ? s.hi : acc;
    }
  }
}
