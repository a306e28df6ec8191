// int8 conv, depthwise and dense (as a 1×1 conv on a 1×1 image) with TFLite's integer
// semantics, matching src/runtime/int8.ts bit for bit: int32 sums of w·(x − inZp) plus
// an int32 bias, then per-channel requantisation, either TFLite's fixed point (Q0.31
// multiplier and shift, gemmlowp rounding) or XNNPACK's float32 scale (round half to
// even), plus the output zero point, clamped to the fused activation's range.
//
// Weights arrive widened to i32 (the host subtracts any weight zero point), laid out as
// the float kernels' ([kH][kW][C][OCP] and [kH][kW][CP]), so 4 output channels take one
// i32x4 multiply-add per input value. Parameters: the conv block of conv.ts (P_*), and
// a quant block: inZp, outZp, qmin, qmax, mode (0 fixed point, 1 float32); `mult` holds
// per output channel (multiplier, shift) for fixed point, or an f32 scale for float32.

const Q_INZP = 0;
const Q_OUTZP = 1;
const Q_MIN = 2;
const Q_MAX = 3;
const Q_MODE = 4;

function param(p: usize, k: i32): i32 {
  return load<i32>(p + ((<usize>k) << 2));
}

/** gemmlowp SaturatingRoundingDoublingHighMul. */
function srdhm(a: i32, b: i32): i32 {
  if (a == b && a == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30);
  // i64 division truncates toward zero, as C's does.
  return <i32>((ab + nudge) / ((<i64>1) << 31));
}

/** gemmlowp RoundingDivideByPOT. */
function rdbpot(x: i32, e: i32): i32 {
  const mask = e >= 31 ? i32.MAX_VALUE : (1 << e) - 1;
  const rem = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

/** The requantised, clamped int8 value of one int32 sum for output channel `c`. */
function requant(acc: i32, c: i32, mult: usize, q: usize): i32 {
  let v: i32;
  if (param(q, Q_MODE) == 1) {
    const r = <f32>acc * load<f32>(mult + ((<usize>c) << 2));
    v = <i32>nearest<f32>(r);
  } else {
    const m = load<i32>(mult + ((<usize>c) << 3));
    const shift = load<i32>(mult + ((<usize>c) << 3), 4);
    v = rdbpot(srdhm(shift > 0 ? acc << shift : acc, m), shift > 0 ? 0 : -shift);
  }
  v += param(q, Q_OUTZP);
  const lo = param(q, Q_MIN);
  const hi = param(q, Q_MAX);
  return v < lo ? lo : v > hi ? hi : v;
}

/** Stores the requantised lanes of `acc` (channels cb .. cb+3 that exist) at o + cb. */
function store4(o: usize, cb: i32, oc: i32, acc: v128, mult: usize, q: usize): void {
  store<i8>(o + <usize>cb, <i8>requant(i32x4.extract_lane(acc, 0), cb, mult, q));
  if (cb + 1 < oc) store<i8>(o + <usize>cb + 1, <i8>requant(i32x4.extract_lane(acc, 1), cb + 1, mult, q));
  if (cb + 2 < oc) store<i8>(o + <usize>cb + 2, <i8>requant(i32x4.extract_lane(acc, 2), cb + 2, mult, q));
  if (cb + 3 < oc) store<i8>(o + <usize>cb + 3, <i8>requant(i32x4.extract_lane(acc, 3), cb + 3, mult, q));
}

/** Full int8 convolution (one group); dense is this on a 1×1 image with C inputs. */
export function convI8(x: usize, w: usize, b: usize, out: usize, p: usize, mult: usize, q: usize): void {
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
  const icStride = (<usize>ocp) << 2;
  const tapStride = <usize>c * icStride;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + <usize>((oy * ow + ox) * oc);
      let cb = 0;
      // 16 output channels at a time: one input value feeds four vectors.
      if (ASC_FEATURE_SIMD) {
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
              for (let ic = 0; ic < c; ic++) {
                const xs = i32x4.splat(<i32>load<i8>(xp + <usize>ic) - inZp);
                a0 = i32x4.add(a0, i32x4.mul(xs, v128.load(wp)));
                a1 = i32x4.add(a1, i32x4.mul(xs, v128.load(wp, 16)));
                a2 = i32x4.add(a2, i32x4.mul(xs, v128.load(wp, 32)));
                a3 = i32x4.add(a3, i32x4.mul(xs, v128.load(wp, 48)));
                wp += icStride;
              }
            }
          }
          store4(o, cb, oc, a0, mult, q);
          store4(o, cb + 4, oc, a1, mult, q);
          store4(o, cb + 8, oc, a2, mult, q);
          store4(o, cb + 12, oc, a3, mult, q);
        }
      }
      for (; cb < ocp; cb += 4) {
        if (ASC_FEATURE_SIMD) {
          let a = v128.load(b + ((<usize>cb) << 2));
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + <usize>((iy * wd + ix) * c);
              let wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 2);
              for (let ic = 0; ic < c; ic++) {
                const xs = i32x4.splat(<i32>load<i8>(xp + <usize>ic) - inZp);
                a = i32x4.add(a, i32x4.mul(xs, v128.load(wp)));
                wp += icStride;
              }
            }
          }
          store4(o, cb, oc, a, mult, q);
        } else {
          for (let j = cb; j < cb + 4 && j < oc; j++) {
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
                  acc += (<i32>load<i8>(xp + <usize>ic) - inZp) * load<i32>(wp + <usize>ic * icStride);
              }
            }
            store<i8>(o + <usize>j, <i8>requant(acc, j, mult, q));
          }
        }
      }
    }
  }
}

/** Depthwise int8 convolution, depth multiplier 1; weights [kH][kW][CP] as i32. */
export function depthwiseI8(x: usize, w: usize, b: usize, out: usize, p: usize, mult: usize, q: usize): void {
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
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + <usize>((oy * ow + ox) * c);
      for (let cb = 0; cb < cp; cb += 4) {
        if (ASC_FEATURE_SIMD) {
          let a = v128.load(b + ((<usize>cb) << 2));
          const zp = i32x4.splat(inZp);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              // 4 channels' int8 inputs, widened to i32 lanes.
              const raw = v128.load32_zero(x + <usize>((iy * wd + ix) * c + cb));
              const xv = i32x4.sub(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(raw)), zp);
              const wv = v128.load(w + ((<usize>((ky * kw + kx) * cp + cb)) << 2));
              a = i32x4.add(a, i32x4.mul(xv, wv));
            }
          }
          store4(o, cb, c, a, mult, q);
        } else {
          for (let j = cb; j < cb + 4 && j < c; j++) {
            let acc = load<i32>(b + ((<usize>j) << 2));
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = x0 + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                acc +=
                  (<i32>load<i8>(x + <usize>((iy * wd + ix) * c + j)) - inZp) *
                  load<i32>(w + ((<usize>((ky * kw + kx) * cp + j)) << 2));
              }
            }
            store<i8>(o + <usize>j, <i8>requant(acc, j, mult, q));
          }
        }
      }
    }
  }
}
