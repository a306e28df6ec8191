// int8 1×1 convolution (stride 1, no pads): a matrix product of pixels × input channels
// by input channels × output channels. As convI8 (i16 weight pairs, dot_i16x8_s), but two
// pixels at a time share every weight load: 4 weight vectors feed 8 dot products.
// Parameters: the conv block of conv.ts (P_*) and requant.ts's table and quant block.
import { param } from './params';
import { Q_INZP, requant1, storeChannels } from './requant';

/** The pair (x[2i], x[2i+1]) − inZp in all four i16 pairs of a vector. */
function pairAt(xp: usize, i: i32, zp: v128): v128 {
  return i16x8.sub(i16x8.extend_low_i8x16_s(v128.load16_splat(xp + ((<usize>i) << 1))), zp);
}

export function pointwiseI8(x: usize, w: usize, b: usize, out: usize, p: usize, rq: usize, q: usize): void {
  const n = param(p, 0) * param(p, 1),
    c = param(p, 2),
    oc = param(p, 5),
    ocp = param(p, 14);
  const inZp = param(q, Q_INZP);
  const pairs = (c + 1) >> 1;
  const pairStride = (<usize>ocp) << 2;
  if (!ASC_FEATURE_SIMD) {
    for (let px = 0; px < n; px++) {
      const xp = x + <usize>(px * c);
      for (let j = 0; j < oc; j++) {
        let acc = load<i32>(b + ((<usize>j) << 2));
        for (let ic = 0; ic < c; ic++)
          acc +=
            (<i32>load<i8>(xp + <usize>ic) - inZp) *
            <i32>load<i16>(w + <usize>(ic >> 1) * pairStride + ((<usize>j) << 2) + ((<usize>(ic & 1)) << 1));
        store<i8>(out + <usize>(px * oc + j), <i8>requant1(acc, j, rq, q));
      }
    }
    return;
  }
  const zp = i16x8.splat(<i16>inZp);
  let px = 0;
  for (; px < n; px += 2) {
    // An odd last pixel pairs with itself (computed twice, stored once).
    const px1 = px + 1 < n ? px + 1 : px;
    const x0 = x + <usize>(px * c),
      x1 = x + <usize>(px1 * c);
    const o0 = out + <usize>(px * oc),
      o1 = out + <usize>(px1 * oc);
    for (let cb = 0; cb < ocp; cb += 8) {
      const bp = b + ((<usize>cb) << 2);
      let a0 = v128.load(bp),
        a1 = v128.load(bp, 16);
      let c0 = a0,
        c1 = a1;
      let wp = w + ((<usize>cb) << 2);
      for (let i = 0; i < pairs; i++) {
        const xs0 = pairAt(x0, i, zp),
          xs1 = pairAt(x1, i, zp);
        const w0 = v128.load(wp),
          w1 = v128.load(wp, 16);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xs0, w0));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xs0, w1));
        c0 = i32x4.add(c0, i32x4.dot_i16x8_s(xs1, w0));
        c1 = i32x4.add(c1, i32x4.dot_i16x8_s(xs1, w1));
        wp += pairStride;
      }
      storeChannels(o0, cb, oc, a0, rq, q);
      storeChannels(o0, cb + 4, oc, a1, rq, q);
      storeChannels(o1, cb, oc, c0, rq, q);
      storeChannels(o1, cb + 4, oc, c1, rq, q);
    }
  }
}
