// Convolution the way Espruino runs it fast: JS once per output pixel and channel, native
// code per weight. Each pixel's receptive field is gathered into one patch by a single
// E.mapInPlace over a precomputed index, then each output channel is one E.convolve of
// its weights with the patch. Measured on the Bangle.js 2 firmware, a JS statement costs
// microseconds there, so the per-kernel-row loop of conv.ts spent LeNet-5's 30 s in JS.
import type { ConvShape } from './conv.js';
import type { RowNative } from './flash-kernels.js';

/** Whether the patch kernel applies: every window inside the input (no padding), one group. */
export function patchable(s: ConvShape): boolean {
  return (
    s.icg === s.c &&
    s.pt === 0 &&
    s.pl === 0 &&
    (s.oh - 1) * s.sh + (s.kh - 1) * s.dh < s.h &&
    (s.ow - 1) * s.sw + (s.kw - 1) * s.dw < s.w &&
    s.h * s.w * s.c * 4 <= 65536
  );
}

/** Per patch element, its input index relative to the window's first element. */
export function patchIndex(s: ConvShape): Uint16Array {
  var c = s.c;
  var idx = new Uint16Array(s.kh * s.kw * c);
  var k = 0;
  for (var ky = 0; ky < s.kh; ky++)
    for (var kx = 0; kx < s.kw; kx++)
      for (var i = 0; i < c; i++) idx[k++] = (ky * s.dh * s.w + kx * s.dw) * c + i;
  return idx;
}

/**
 * The conv's output for every channel. `weights(o0, n)` returns channels o0..o0+n-1's
 * weights, [kH, kW, C] each, one after the other, in RAM; `blockBytes` bounds a block of
 * them (each block gathers every patch again, so bigger blocks gather less).
 */
export function convPatches(
  x: Float32Array,
  weights: (o0: number, n: number) => Float32Array,
  b: Float32Array | null,
  out: Float32Array,
  s: ConvShape,
  idx: Uint16Array,
  patch: Float32Array,
  blockBytes: number,
  nat: RowNative,
): void {
  var K = idx.length;
  var oc = s.oc;
  var per = Math.max(1, Math.min(oc, Math.floor(blockBytes / (K * 4))));
  var lo = s.lo;
  var hi = s.hi;
  var rowStep = s.sh * s.w * s.c;
  var colStep = s.sw * s.c;
  var pixels = s.oh * s.ow;
  for (var o0 = 0; o0 < oc; o0 += per) {
    var n = Math.min(per, oc - o0);
    var block = weights(o0, n);
    var ws: Float32Array[] = [];
    for (var j = 0; j < n; j++) ws.push(block.subarray(j * K, (j + 1) * K));
    for (var p = 0; p < pixels; p++) {
      var oy = (p / s.ow) | 0;
      nat.mapInPlace(idx, patch, x.subarray(oy * rowStep + (p - oy * s.ow) * colStep));
      var at = p * oc + o0;
      for (j = 0; j < n; j++) {
        var acc = (b ? b[o0 + j] : 0) + nat.convolve(ws[j], patch, 0);
        out[at + j] = acc < lo ? lo : acc > hi ? hi : acc;
      }
    }
  }
}
