// Requantisation of int32 sums to int8, four lanes at a time, bit-exact with TFLite:
// fixed point (gemmlowp's SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT)
// or XNNPACK's float32 scale (round half to even); plus the output zero point, clamped.
// Per output channel it costed ~20 ns as scalar i64 code, more than the multiply-adds
// of most MobileNet layers; here both steps run on i64x2 lanes with per-lane constants.
//
// The host (src/wasm/accelerator.ts, `requantTable`) writes one 128-byte record per 4
// output channels; lane l of a record is channel 4g + l:
//   +0   i32[4] 2^max(shift, 0)           (a left shift as a multiply)      | f32[4] scale
//   +16  i32[4] Q0.31 multiplier
//   +32  i64[4] 2^(e−1), or 0 when e = 0  (e = max(−shift, 0), the right shift)
//   +64  i64[4] −1 when e > 0, else 0     (negative sums round half toward zero)
//   +96  i64[4] 2^(32−e)                  (x >> e per lane as (x · 2^(32−e)) >> 32)
// The quant block: inZp, outZp, qmin, qmax, mode (0 fixed point, 1 float32).

import { param } from './params';

export const RECORD = 128;
export const Q_INZP = 0;
const Q_OUTZP = 1;
const Q_MIN = 2;
const Q_MAX = 3;
const Q_MODE = 4;

/**
 * gemmlowp's high multiply on two i64 products: (p + nudge) / 2^31 toward zero, with
 * nudge 2^30 (p ≥ 0) or 1 − 2^30 (p < 0). For p < 0 the sum is negative, and toward
 * zero adds 2^31 − 1 before the floor shift: both cases are (p + 2^30) >> 31.
 */
function highMul(p: v128): v128 {
  return i64x2.shr_s(i64x2.add(p, i64x2.splat(1 << 30)), 31);
}

/** RoundingDivideByPOT on two i64 lanes with their own exponents (record constants). */
function divideByPot(s: v128, half: v128, negAdj: v128, pow: v128): v128 {
  const t = i64x2.add(i64x2.add(s, half), v128.and(i64x2.shr_s(s, 63), negAdj));
  return i64x2.shr_s(i64x2.mul(t, pow), 32);
}

/**
 * Requantised lanes of `acc` (i32x4), given the four lanes' record constants as
 * vectors (a record's rows, or one channel's splatted by the planar kernel).
 */
export function requantLanes(
  acc: v128,
  leftMul: v128,
  mult: v128,
  halfLo: v128,
  halfHi: v128,
  negLo: v128,
  negHi: v128,
  powLo: v128,
  powHi: v128,
  q: usize,
): v128 {
  let v: v128;
  if (param(q, Q_MODE) == 1) {
    v = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(acc), leftMul)));
  } else {
    const a = i32x4.mul(acc, leftMul);
    const lo = divideByPot(highMul(i64x2.extmul_low_i32x4_s(a, mult)), halfLo, negLo, powLo);
    const hi = divideByPot(highMul(i64x2.extmul_high_i32x4_s(a, mult)), halfHi, negHi, powHi);
    v = i8x16.shuffle(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
  }
  v = i32x4.add(v, i32x4.splat(param(q, Q_OUTZP)));
  return i32x4.min_s(i32x4.max_s(v, i32x4.splat(param(q, Q_MIN))), i32x4.splat(param(q, Q_MAX)));
}

/** Requantised lanes of `acc` for channels cb .. cb+3 (cb a multiple of 4). */
export function requant4(acc: v128, cb: i32, rq: usize, q: usize): v128 {
  const r = rq + <usize>(cb >> 2) * RECORD;
  return requantLanes(
    acc,
    v128.load(r),
    v128.load(r, 16),
    v128.load(r, 32),
    v128.load(r, 48),
    v128.load(r, 64),
    v128.load(r, 80),
    v128.load(r, 96),
    v128.load(r, 112),
    q,
  );
}

/** Stores the low byte of each requantised lane (`n` of them, 1..4) at o, o+step, ... */
export function storeBytes(o: usize, step: usize, v: v128, n: i32): void {
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(v, v), i16x8.narrow_i32x4_s(v, v));
  if (step == 1 && n == 4) {
    v128.store32_lane(o, b, 0);
    return;
  }
  store<i8>(o, i8x16.extract_lane_s(b, 0));
  if (n > 1) store<i8>(o + step, i8x16.extract_lane_s(b, 1));
  if (n > 2) store<i8>(o + step * 2, i8x16.extract_lane_s(b, 2));
  if (n > 3) store<i8>(o + step * 3, i8x16.extract_lane_s(b, 3));
}

/** Requantises and stores channels cb .. cb+3 (those below oc) of one output pixel at o. */
export function storeChannels(o: usize, cb: i32, oc: i32, acc: v128, rq: usize, q: usize): void {
  if (cb < oc) storeBytes(o + <usize>cb, 1, requant4(acc, cb, rq, q), min(4, oc - cb));
}

/** The same arithmetic on one sum for channel j (the scalar build's path). */
export function requant1(acc: i32, j: i32, rq: usize, q: usize): i32 {
  const r = rq + <usize>(j >> 2) * RECORD;
  const l = <usize>(j & 3);
  let v: i32;
  if (param(q, Q_MODE) == 1) {
    v = <i32>nearest<f32>(<f32>acc * load<f32>(r + (l << 2)));
  } else {
    const p = <i64>(acc * load<i32>(r + (l << 2))) * <i64>load<i32>(r + 16 + (l << 2));
    let s = p + (p < 0 ? 1 - ((<i64>1) << 30) : (<i64>1) << 30);
    s = (s < 0 ? s + (((<i64>1) << 31) - 1) : s) >> 31;
    const t = s + load<i64>(r + 32 + (l << 3)) + (s < 0 ? load<i64>(r + 64 + (l << 3)) : 0);
    v = <i32>((t * load<i64>(r + 96 + (l << 3))) >> 32);
  }
  v += param(q, Q_OUTZP);
  const lo = param(q, Q_MIN);
  const hi = param(q, Q_MAX);
  return v < lo ? lo : v > hi ? hi : v;
}
