// Max and average pooling over channels-last activations ([H, W, C], no batch), and
// global average pooling. Pads are never part of a max; an average divides by the
// window's cells inside the input (ONNX count_include_pad = 0, TFLite), or, with
// count_include_pad = 1, by its cells inside the padded input (ONNX).

/**
 * p: kernel h w, strides h w, pads t l b r, dilations h w, count_include_pad.
 * `avg` picks average over max.
 */
export function pool2d(
  x: Float32Array,
  inShape: number[],
  out: Float32Array,
  outShape: number[],
  p: number[],
  avg: boolean,
): void {
  var h = inShape[0];
  var w = inShape[1];
  var c = inShape[2];
  var oh = outShape[0];
  var ow = outShape[1];
  var kh = p[0];
  var kw = p[1];
  var includePad = p[10] === 1;
  if (!avg && kh === 2 && kw === 2 && !p[4] && !p[5] && !p[6] && !p[7] && p[8] === 1 && p[9] === 1) {
    maxPool2x2(x, w, c, out, oh, ow, p[2], p[3]);
    return;
  }
  var sh = p[2];
  var sw = p[3];
  var pt = p[4];
  var pl = p[5];
  var dh = p[8];
  var dw = p[9];
  for (var oy = 0; oy < oh; oy++) {
    var y0 = oy * sh - pt;
    // The kernel rows inside the input, and inside the padded input, found once per
    // output row (and columns once per output cell), so the channel loop only sums.
    var ky0 = y0 < 0 ? ((-y0 + dh - 1) / dh) | 0 : 0;
    var ky1 = h - y0 > 0 ? ((h - y0 + dh - 1) / dh) | 0 : 0;
    if (ky1 > kh) ky1 = kh;
    var rowsPadded = 0;
    for (var ky = 0; ky < kh; ky++) {
      var iy = y0 + ky * dh;
      if (iy >= -pt && iy < h + p[6]) rowsPadded++;
    }
    for (var ox = 0; ox < ow; ox++) {
      var x0 = ox * sw - pl;
      var kx0 = x0 < 0 ? ((-x0 + dw - 1) / dw) | 0 : 0;
      var kx1 = w - x0 > 0 ? ((w - x0 + dw - 1) / dw) | 0 : 0;
      if (kx1 > kw) kx1 = kw;
      var colsPadded = 0;
      for (var kx = 0; kx < kw; kx++) {
        var ix = x0 + kx * dw;
        if (ix >= -pl && ix < w + p[7]) colsPadded++;
      }
      var n = ky1 > ky0 && kx1 > kx0 ? (ky1 - ky0) * (kx1 - kx0) : 0;
      var div = includePad ? rowsPadded * colsPadded : n;
      var o = (oy * ow + ox) * c;
      for (var ch = 0; ch < c; ch++) {
        var acc = avg ? 0 : -Infinity;
        for (ky = ky0; ky < ky1; ky++) {
          var i = ((y0 + ky * dh) * w + x0 + kx0 * dw) * c + ch;
          for (kx = kx0; kx < kx1; kx++, i += dw * c) {
            var v = x[i];
            if (avg) acc += v;
            else if (v > acc || v !== v) acc = v;
          }
        }
        out[o + ch] = avg ? acc / div : acc;
      }
    }
  }
}

/**
 * The common 2×2 max pool without padding, unrolled: on Espruino every JS statement
 * costs microseconds, and the general loop spent LeNet-5's 1.3 s there.
 */
function maxPool2x2(
  x: Float32Array,
  w: number,
  c: number,
  out: Float32Array,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
): void {
  var down = w * c;
  var o = 0;
  for (var oy = 0; oy < oh; oy++) {
    for (var ox = 0; ox < ow; ox++) {
      var i = (oy * sh * w + ox * sw) * c;
      for (var ch = 0; ch < c; ch++, i++) {
        var a = x[i];
        var b = x[i + c];
        var d = x[i + down];
        var e = x[i + down + c];
        // NaN wins, as in the general loop.
        if (b > a || b !== b) a = b;
        if (d > a || d !== d) a = d;
        if (e > a || e !== e) a = e;
        out[o++] = a;
      }
    }
  }
}

/** out[c] = mean over all positions of x[.., .., c]. */
export function globalAvgPool(x: Float32Array, inShape: number[], out: Float32Array): void {
  var c = inShape[2];
  var n = inShape[0] * inShape[1];
  for (var ch = 0; ch < c; ch++) {
    var acc = 0;
    for (var i = ch; i < n * c; i += c) acc += x[i];
    out[ch] = acc / n;
  }
}
