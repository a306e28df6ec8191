// The planar convolution (conv-planar.ts) with TFLite's int8 semantics. Plane cells are
// i16 pairs of inputs minus the input zero point (columns X and X+1), and a tap is a
// pair of weights minus theirs (kernel columns kx and kx+1, or kx and a 0), so one
// i32x4.dot_i16x8_s does two kernel columns for 4 output columns. The 4 columns share
// one channel's requantisation constants, splatted once per channel. Bit-exact with the
// runtime's src/runtime/int8.ts (tested layer by layer).
import { Q_OH, Q_OW, Q_OC, Q_ROW_STEP, toPlanes } from './conv-planar';
import { param } from './params';
import { Q_INZP, RECORD, requant1, requantLanes, storeBytes } from './requant';

/**
 * int8 convolution, any grouping. `vals` are i16 weight pairs, `b` i32 biases, `rq` the
 * requantisation table, `q` the quant block (requant.ts); `plane` is scratch.
 */
export function convPlanarI8(
  x: usize,
  plane: usize,
  rowStart: usize,
  taps: usize,
  vals: usize,
  b: usize,
  out: usize,
  p: usize,
  rq: usize,
  q: usize,
): void {
  toPlanes<i8>(x, plane, p, param(q, Q_INZP));
  const oh = param(p, Q_OH),
    ow = param(p, Q_OW),
    oc = param(p, Q_OC),
    rowStep = param(p, Q_ROW_STEP);
  const pixel = <usize>oc;
  for (let j = 0; j < oc; j++) {
    const k0 = load<i32>(rowStart + ((<usize>j) << 2));
    const k1 = load<i32>(rowStart + ((<usize>j) << 2), 4);
    const bias = load<i32>(b + ((<usize>j) << 2));
    const r = rq + <usize>(j >> 2) * RECORD;
    const l = <usize>(j & 3);
    for (let oy = 0; oy < oh; oy++) {
      const row = plane + ((<usize>(oy * rowStep)) << 2);
      const o = out + <usize>(oy * ow * oc + j);
      if (ASC_FEATURE_SIMD) {
        const leftMul = v128.load32_splat(r + (l << 2));
        const mult = v128.load32_splat(r + 16 + (l << 2));
        const half = v128.load64_splat(r + 32 + (l << 3));
        const neg = v128.load64_splat(r + 64 + (l << 3));
        const pow = v128.load64_splat(r + 96 + (l << 3));
        let ox = 0;
        // 8 columns at a time: a tap's weight and offset load once for two vectors.
        for (; ox + 4 < ow; ox += 8) {
          let a0 = i32x4.splat(bias),
            a1 = i32x4.splat(bias);
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            const wv = v128.load32_splat(vals + at);
            const xp = base + ((<usize>load<i32>(taps + at)) << 2);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(wv, v128.load(xp)));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(wv, v128.load(xp, 16)));
          }
          const op = o + <usize>ox * pixel;
          storeBytes(op, pixel, requantLanes(a0, leftMul, mult, half, half, neg, neg, pow, pow, q), 4);
          const v1 = requantLanes(a1, leftMul, mult, half, half, neg, neg, pow, pow, q);
          storeBytes(op + pixel * 4, pixel, v1, min(4, ow - ox - 4));
        }
        if (ox < ow) {
          let a0 = i32x4.splat(bias);
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            a0 = i32x4.add(
              a0,
              i32x4.dot_i16x8_s(
                v128.load32_splat(vals + at),
                v128.load(base + ((<usize>load<i32>(taps + at)) << 2)),
              ),
            );
          }
          const v0 = requantLanes(a0, leftMul, mult, half, half, neg, neg, pow, pow, q);
          storeBytes(o + <usize>ox * pixel, pixel, v0, ow - ox);
        }
      } else {
        for (let ox = 0; ox < ow; ox++) {
          let acc = bias;
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            const xp = base + ((<usize>load<i32>(taps + at)) << 2);
            acc +=
              <i32>load<i16>(vals + at) * <i32>load<i16>(xp) +
              <i32>load<i16>(vals + at, 2) * <i32>load<i16>(xp, 2);
          }
          store<i8>(o + <usize>ox * pixel, <i8>requant1(acc, j, rq, q));
        }
      }
    }
  }
}
