// Convolution vectorised across output columns instead of channels, over a planar copy
// of the input. The channels-last kernel (conv.ts) starves when a layer has few input
// channels (LeNet-5's first conv has one) and cannot skip pruned weights; here each
// output channel is a list of taps (non-zero weights), and one tap updates 4 output
// columns with one v128 load, so a pruned conv costs only its stored weights.
//
// The input is first copied into planes [C][rows][phase][cols]: a stride-s layer's
// columns are split into s phases (x % s), so the inputs of neighbouring outputs are
// neighbours in memory whatever the stride. Pads are zero cells of the planes. A tap's
// input for output (oy, ox) is then plane[tap + oy · rowStep + ox]: no bounds checks.
// Vectors past the row's end compute lanes that are never stored (their reads stay in
// the planes' slack).

import { param } from './params';

// Offsets (in i32s) into the parameter block the host writes (src/wasm/accelerator.ts).
const Q_H = 0;
const Q_W = 1;
const Q_C = 2;
export const Q_OH = 3;
export const Q_OW = 4;
export const Q_OC = 5;
const Q_PT = 6;
const Q_PL = 7;
/** Column phases: the horizontal stride. */
const Q_PHASES = 8;
/** Rows per plane (input rows plus top and bottom pads). */
const Q_ROWS = 9;
/** Columns per phase. */
const Q_COLS = 10;
/** Plane floats from one output row to the next: vertical stride × phases × cols. */
export const Q_ROW_STEP = 11;
/** 1 when pads exist: the planes are zeroed before the copy. */
const Q_ZERO = 12;
/** Floats in all planes. */
const Q_PLANE_FLOATS = 13;
/** f32 clip bounds. */
const Q_LO = 14;
const Q_HI = 15;

/**
 * Copies channels-last x [H, W, C] into the zero-padded, phase-split planes: f32 as is,
 * or (T = i8) minus the input zero point (so pads add nothing) as i16 pairs: the cell of
 * padded column X holds X's value and X+1's, for the int8 kernel's dot products.
 */
export function toPlanes<T>(x: usize, plane: usize, p: usize, zp: i32): void {
  const h = param(p, Q_H),
    wd = param(p, Q_W),
    c = param(p, Q_C);
  const pt = param(p, Q_PT),
    pl = param(p, Q_PL),
    phases = param(p, Q_PHASES),
    rows = param(p, Q_ROWS),
    cols = param(p, Q_COLS);
  // Pads are zero cells (memory.fill is the engine's memset).
  if (param(p, Q_ZERO)) memory.fill(plane, 0, (<usize>param(p, Q_PLANE_FLOATS)) << 2);
  const planeStride = (<usize>(rows * phases * cols)) << 2;
  const phaseStride = (<usize>cols) << 2;
  for (let y = 0; y < h; y++) {
    const rowStart = plane + ((<usize>((y + pt) * phases * cols)) << 2);
    // Column px = ix + pl sits in phase px % phases at index px / phases, kept as counters.
    let phase = pl % phases,
      index = pl / phases;
    // The cell of column px − 1, whose second half is this value (int8 pairs only).
    let prev: usize =
      pl > 0 ? rowStart + <usize>((pl - 1) % phases) * phaseStride + ((<usize>((pl - 1) / phases)) << 2) : 0;
    let src = x + <usize>(y * wd * c) * sizeof<T>();
    for (let ix = 0; ix < wd; ix++) {
      const cell = rowStart + <usize>phase * phaseStride + ((<usize>index) << 2);
      let dst = cell;
      for (let ch = 0; ch < c; ch++) {
        if (isFloat<T>()) store<f32>(dst, load<f32>(src));
        else {
          const v = <i16>(<i32>load<i8>(src) - zp);
          store<i16>(dst, v);
          if (prev) store<i16>(prev + <usize>ch * planeStride, v, 2);
        }
        src += sizeof<T>();
        dst += planeStride;
      }
      prev = cell;
      if (++phase == phases) {
        phase = 0;
        index++;
      }
    }
  }
}

/** Clips a vector of 4 columns of output channel `oc` and stores those inside the row. */
function storeColumns(a: v128, o: usize, oc: i32, left: i32, lo: v128, hi: v128): void {
  const v = f32x4.min(f32x4.max(a, lo), hi);
  const step = (<usize>oc) << 2;
  store<f32>(o, f32x4.extract_lane(v, 0));
  if (left > 1) store<f32>(o + step, f32x4.extract_lane(v, 1));
  if (left > 2) store<f32>(o + step * 2, f32x4.extract_lane(v, 2));
  if (left > 3) store<f32>(o + step * 3, f32x4.extract_lane(v, 3));
}

/**
 * Convolution, any grouping (a tap may read any plane). Output channel j's taps are k
 * in [rowStart[j], rowStart[j+1]): an f32 weight and an i32 plane offset each.
 * `plane` is scratch for the planes (Q_PLANE_FLOATS floats plus slack).
 */
export function convPlanar(
  x: usize,
  plane: usize,
  rowStart: usize,
  taps: usize,
  vals: usize,
  b: usize,
  out: usize,
  p: usize,
): void {
  toPlanes<f32>(x, plane, p, 0);
  const oh = param(p, Q_OH),
    ow = param(p, Q_OW),
    oc = param(p, Q_OC),
    rowStep = param(p, Q_ROW_STEP);
  const lo = load<f32>(p + ((<usize>Q_LO) << 2)),
    hi = load<f32>(p + ((<usize>Q_HI) << 2));
  const pixel = (<usize>oc) << 2;
  for (let j = 0; j < oc; j++) {
    const k0 = load<i32>(rowStart + ((<usize>j) << 2));
    const k1 = load<i32>(rowStart + ((<usize>j) << 2), 4);
    const bias = load<f32>(b + ((<usize>j) << 2));
    for (let oy = 0; oy < oh; oy++) {
      const row = plane + ((<usize>(oy * rowStep)) << 2);
      const o = out + ((<usize>(oy * ow * oc + j)) << 2);
      if (ASC_FEATURE_SIMD) {
        const vlo = f32x4.splat(lo);
        const vhi = f32x4.splat(hi);
        let ox = 0;
        // 16 columns at a time: a tap's weight and offset load once for four vectors.
        for (; ox + 16 <= ow; ox += 16) {
          let a0 = f32x4.splat(bias),
            a1 = f32x4.splat(bias),
            a2 = f32x4.splat(bias),
            a3 = f32x4.splat(bias);
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            const wv = v128.load32_splat(vals + at);
            const xp = base + ((<usize>load<i32>(taps + at)) << 2);
            a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(xp)));
            a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(xp, 16)));
            a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(xp, 32)));
            a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(xp, 48)));
          }
          const op = o + <usize>ox * pixel;
          storeColumns(a0, op, oc, 4, vlo, vhi);
          storeColumns(a1, op + pixel * 4, oc, 4, vlo, vhi);
          storeColumns(a2, op + pixel * 8, oc, 4, vlo, vhi);
          storeColumns(a3, op + pixel * 12, oc, 4, vlo, vhi);
        }
        for (; ox + 4 < ow; ox += 8) {
          let a0 = f32x4.splat(bias),
            a1 = f32x4.splat(bias);
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            const wv = v128.load32_splat(vals + at);
            const xp = base + ((<usize>load<i32>(taps + at)) << 2);
            a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(xp)));
            a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(xp, 16)));
          }
          const op = o + <usize>ox * pixel;
          storeColumns(a0, op, oc, 4, vlo, vhi);
          storeColumns(a1, op + pixel * 4, oc, ow - ox - 4, vlo, vhi);
        }
        if (ox < ow) {
          let a0 = f32x4.splat(bias);
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            a0 = f32x4.add(
              a0,
              f32x4.mul(v128.load32_splat(vals + at), v128.load(base + ((<usize>load<i32>(taps + at)) << 2))),
            );
          }
          storeColumns(a0, o + <usize>ox * pixel, oc, ow - ox, vlo, vhi);
        }
      } else {
        for (let ox = 0; ox < ow; ox++) {
          let acc = bias;
          const base = row + ((<usize>ox) << 2);
          for (let k = k0; k < k1; k++) {
            const at = (<usize>k) << 2;
            acc += load<f32>(vals + at) * load<f32>(base + ((<usize>load<i32>(taps + at)) << 2));
          }
          store<f32>(o + <usize>ox * pixel, acc < lo ? lo : acc > hi ? hi : acc);
        }
      }
    }
  }
}
