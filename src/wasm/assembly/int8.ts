// int8 conv, depthwise and dense (as a 1×1 conv on a 1×1 image) with TFLite's integer
// semantics, matching src/runtime/int8.ts bit for bit: int32 sums of w·(x − inZp) plus
// an int32 bias, then per-channel requantisation, either TFLite's fixed point (Q0.31
// multiplier and shift, gemmlowp rounding) or XNNPACK's float32 scale (round half to
// even), plus the output zero point, clamped to the fused activation's range.
//
// Weights arrive minus any weight zero point: full convs as i16 pairs (see convI8),
// depthwise widened to i32 as the float layout [kH][kW][CP]. Parameters: the conv block of conv.ts (P_*), and
// a quant block: inZp, outZp, qmin, qmax, mode (0 fixed point, 1 float32); `rq` is the
// per-channel requantisation table of requant.ts.

import { param } from './params';
import { Q_INZP, requant1, storeChannels } from './requant';

/**
 * Full int8 convolution (one group); dense is this on a 1×1 image with C inputs.
 * Weights are i16 pairs [kH][kW][C/2][OCP][2]: input channels 2i and 2i+1 of one output
 * channel side by side, so one i32x4.dot_i16x8_s does 8 multiply-adds (4 channels × a
 * pair of inputs). An odd C's last pair has a zero weight: the input byte read past
 * the pixel (the next pixel's, or the buffer's slack) adds nothing.
 */
export function convI8(x: usize, w: usize, b: usize, out: usize, p: usize, rq: usize, q: usize): void {
  const h = param(p, 0),
    wd = param(p, 1),
    c = param(p, 2);
  const oh = param(p, 3),
    ow = param(p, 4),
    oc = param(p, 5);
  const kh = param(p, 6),
    kw = param(p, 7),
    sh = param(p, 8),
    sw = param(p, 9);
  const pt = param(p, 10),
    pl = param(p, 11),
    dh = param(p, 12),
    dw = param(p, 13);
  const ocp = param(p, 14);
  const inZp = param(q, Q_INZP);
  const pairs = (c + 1) >> 1;
  // Bytes per input pair: OCP channels × 2 inputs × i16.
  const pairStride = (<usize>ocp) << 2;
  const tapStride = <usize>pairs * pairStride;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + <usize>((oy * ow + ox) * oc);
      if (ASC_FEATURE_SIMD) {
        const zp = i16x8.splat(<i16>inZp);
        let cb = 0;
        // 16 output channels at a time: one input pair feeds four vectors.
        for (; cb + 16 <= ocp; cb += 16) {
          const bp = b + ((<usize>cb) << 2);
          let a0 = v128.load(bp);
          let a1 = v128.load(bp, 16);
          let a2 = v128.load(bp, 32);
          let a3 = v128.load(bp, 48);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + <usize>((iy * wd + ix) * c);
              let wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 2);
              for (let i = 0; i < pairs; i++) {
                // The pair (x[2i], x[2i+1]) − inZp in all four i16 pairs.
                const xs = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load16_splat(xp + ((<usize>i) << 1))), zp);
                a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xs, v128.load(wp)));
                a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xs, v128.load(wp, 16)));
                a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xs, v128.load(wp, 32)));
                a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xs, v128.load(wp, 48)));
                wp += pairStride;
              }
            }
          }
          storeChannels(o, cb, oc, a0, rq, q);
          storeChannels(o, cb + 4, oc, a1, rq, q);
          storeChannels(o, cb + 8, oc, a2, rq, q);
          storeChannels(o, cb + 12, oc, a3, rq, q);
        }
        for (; cb < ocp; cb += 4) {
          let a = v128.load(b + ((<usize>cb) << 2));
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + <usize>((iy * wd + ix) * c);
              let wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 2);
              for (let i = 0; i < pairs; i++) {
                const xs = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load16_splat(xp + ((<usize>i) << 1))), zp);
                a = i32x4.add(a, i32x4.dot_i16x8_s(xs, v128.load(wp)));
                wp += pairStride;
              }
            }
          }
          storeChannels(o, cb, oc, a, rq, q);
        }
      } else {
        for (let j = 0; j < oc; j++) {
          let acc = load<i32>(b + ((<usize>j) << 2));
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + <usize>((iy * wd + ix) * c);
              const wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>j) << 2);
              for (let ic = 0; ic < c; ic++)
                acc +=
                  (<i32>load<i8>(xp + <usize>ic) - inZp) *
                  <i32>load<i16>(wp + <usize>(ic >> 1) * pairStride + ((<usize>(ic & 1)) << 1));
            }
          }
          store<i8>(o + <usize>j, <i8>requant1(acc, j, rq, q));
        }
      }
    }
  }
}

/**
 * Depthwise int8 convolution, depth multiplier 1; weights i16 [kH][kW][CP], CP = C
 * rounded up to 8 (as are the biases and requantisation records). 8 channels' inputs
 * widen to i16 lanes, and two i32x4.extmul_*_i16x8_s do their 8 multiplies.
 */
export function depthwiseI8(x: usize, w: usize, b: usize, out: usize, p: usize, rq: usize, q: usize): void {
  const h = param(p, 0),
    wd = param(p, 1),
    c = param(p, 2);
  const oh = param(p, 3),
    ow = param(p, 4);
  const kh = param(p, 6),
    kw = param(p, 7),
    sh = param(p, 8),
    sw = param(p, 9);
  const pt = param(p, 10),
    pl = param(p, 11),
    dh = param(p, 12),
    dw = param(p, 13);
  const cp = param(p, 14);
  const inZp = param(q, Q_INZP);
  const tapStride = (<usize>cp) << 1;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + <usize>((oy * ow + ox) * c);
      if (ASC_FEATURE_SIMD) {
        const zp = i16x8.splat(<i16>inZp);
        let cb = 0;
        // 16 channels at a time: one v128 of inputs, two of weights, four sums.
        for (; cb + 16 <= cp; cb += 16) {
          const bp = b + ((<usize>cb) << 2);
          let a0 = v128.load(bp),
            a1 = v128.load(bp, 16),
            a2 = v128.load(bp, 32),
            a3 = v128.load(bp, 48);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const raw = v128.load(x + <usize>((iy * wd + ix) * c + cb));
              const lo = i16x8.sub(i16x8.extend_low_i8x16_s(raw), zp);
              const hi = i16x8.sub(i16x8.extend_high_i8x16_s(raw), zp);
              const wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 1);
              const w0 = v128.load(wp),
                w1 = v128.load(wp, 16);
              a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, w0));
              a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, w0));
              a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(hi, w1));
              a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(hi, w1));
            }
          }
          storeChannels(o, cb, c, a0, rq, q);
          storeChannels(o, cb + 4, c, a1, rq, q);
          storeChannels(o, cb + 8, c, a2, rq, q);
          storeChannels(o, cb + 12, c, a3, rq, q);
        }
        for (; cb < cp; cb += 8) {
          const bp = b + ((<usize>cb) << 2);
          let a0 = v128.load(bp),
            a1 = v128.load(bp, 16);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const raw = v128.load64_zero(x + <usize>((iy * wd + ix) * c + cb));
              const lo = i16x8.sub(i16x8.extend_low_i8x16_s(raw), zp);
              const w0 = v128.load(w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 1));
              a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, w0));
              a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, w0));
            }
          }
          storeChannels(o, cb, c, a0, rq, q);
          storeChannels(o, cb + 4, c, a1, rq, q);
        }
      } else {
        for (let j = 0; j < c; j++) {
          let acc = load<i32>(b + ((<usize>j) << 2));
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              acc +=
                (<i32>load<i8>(x + <usize>((iy * wd + ix) * c + j)) - inZp) *
                <i32>load<i16>(w + <usize>(ky * kw + kx) * tapStride + ((<usize>j) << 1));
            }
          }
          store<i8>(o + <usize>j, <i8>requant1(acc, j, rq, q));
        }
      }
    }
  }
}
