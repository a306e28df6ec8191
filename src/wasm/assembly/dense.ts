// Dense (fully connected) kernels over weights the host packed once at load.
// AssemblyScript, compiled twice by src/wasm/build.ts: with SIMD (v128) and without.
//
// Packed layout ("groups of 16"): outputs are taken 16 at a time; group g holds, for
// each input i, the 16 weights W[16g .. 16g+16][i] side by side. One input value then
// feeds 16 outputs: one splat, four 4-lane loads, four multiply-adds, no horizontal sums.
// Bias, scales and zero points are padded to 16 per group; outputs are written 16 at a
// time, so the output buffer needs room for the padding (the host pads every buffer).

/** out[0 .. 16·groups) = W·x + b, W float32 in groups of 16. */
export function denseF32(x: usize, w: usize, b: usize, out: usize, inN: i32, groups: i32): void {
  for (let g = 0; g < groups; g++) {
    let wp = w + <usize>g * <usize>inN * 64;
    const bp = b + ((<usize>g) << 6);
    const op = out + ((<usize>g) << 6);
    if (ASC_FEATURE_SIMD) {
      // Two sets of accumulators (even and odd inputs) keep two add chains in flight.
      let a0 = v128.load(bp);
      let a1 = v128.load(bp, 16);
      let a2 = v128.load(bp, 32);
      let a3 = v128.load(bp, 48);
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let c2 = f32x4.splat(0);
      let c3 = f32x4.splat(0);
      let i = 0;
      for (; i + 1 < inN; i += 2) {
        const xs = v128.load32_splat(x + ((<usize>i) << 2));
        const xt = v128.load32_splat(x + ((<usize>i) << 2), 4);
        a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(wp)));
        a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(wp, 16)));
        a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(wp, 32)));
        a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(wp, 48)));
        c0 = f32x4.add(c0, f32x4.mul(xt, v128.load(wp, 64)));
        c1 = f32x4.add(c1, f32x4.mul(xt, v128.load(wp, 80)));
        c2 = f32x4.add(c2, f32x4.mul(xt, v128.load(wp, 96)));
        c3 = f32x4.add(c3, f32x4.mul(xt, v128.load(wp, 112)));
        wp += 128;
      }
      if (i < inN) {
        const xs = v128.load32_splat(x + ((<usize>i) << 2));
        a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(wp)));
        a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(wp, 16)));
        a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(wp, 32)));
        a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(wp, 48)));
      }
      v128.store(op, f32x4.add(a0, c0));
      v128.store(op, f32x4.add(a1, c1), 16);
      v128.store(op, f32x4.add(a2, c2), 32);
      v128.store(op, f32x4.add(a3, c3), 48);
    } else {
      for (let j = 0; j < 16; j++) {
        let acc = load<f32>(bp + ((<usize>j) << 2));
        let p = wp + ((<usize>j) << 2);
        for (let i = 0; i < inN; i++) {
          acc += load<f32>(x + ((<usize>i) << 2)) * load<f32>(p);
          p += 64;
        }
        store<f32>(op + ((<usize>j) << 2), acc);
      }
    }
  }
}

/**
 * out = b + scale·(Σ q·x − zero·Σx): int8 weights in groups of 16 (one byte each), with
 * per-output scale and zero point (per-tensor ones are repeated by the host).
 * Reads a quarter of the bytes that float weights need.
 */
export function denseI8(
  x: usize,
  w: usize,
  b: usize,
  scale: usize,
  zero: usize,
  out: usize,
  inN: i32,
  groups: i32,
): void {
  let sumX: f32 = 0;
  for (let i = 0; i < inN; i++) sumX += load<f32>(x + ((<usize>i) << 2));
  for (let g = 0; g < groups; g++) {
    let wp = w + <usize>g * <usize>inN * 16;
    const at = (<usize>g) << 6;
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let i = 0; i < inN; i++) {
        const xs = v128.load32_splat(x + ((<usize>i) << 2));
        const q = v128.load(wp);
        const lo = i16x8.extend_low_i8x16_s(q);
        const hi = i16x8.extend_high_i8x16_s(q);
        a0 = f32x4.add(a0, f32x4.mul(xs, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo))));
        a1 = f32x4.add(a1, f32x4.mul(xs, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo))));
        a2 = f32x4.add(a2, f32x4.mul(xs, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi))));
        a3 = f32x4.add(a3, f32x4.mul(xs, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi))));
        wp += 16;
      }
      const s = f32x4.splat(sumX);
      v128.store(out + at, finishI8(a0, s, b + at, scale + at, zero + at));
      v128.store(out + at, finishI8(a1, s, b + at + 16, scale + at + 16, zero + at + 16), 16);
      v128.store(out + at, finishI8(a2, s, b + at + 32, scale + at + 32, zero + at + 32), 32);
      v128.store(out + at, finishI8(a3, s, b + at + 48, scale + at + 48, zero + at + 48), 48);
    } else {
      for (let j = 0; j < 16; j++) {
        let acc: f32 = 0;
        let p = wp + <usize>j;
        for (let i = 0; i < inN; i++) {
          acc += load<f32>(x + ((<usize>i) << 2)) * <f32>load<i8>(p);
          p += 16;
        }
        const k = at + ((<usize>j) << 2);
        store<f32>(out + k, load<f32>(b + k) + load<f32>(scale + k) * (acc - load<f32>(zero + k) * sumX));
      }
    }
  }
}

function finishI8(acc: v128, sumX: v128, b: usize, scale: usize, zero: usize): v128 {
  const centred = f32x4.sub(acc, f32x4.mul(v128.load(zero), sumX));
  return f32x4.add(v128.load(b), f32x4.mul(v128.load(scale), centred));
}

/**
 * A pruned layer kept as compressed rows (CSR): row o's entries are k in
 * [rowStart[o], rowStart[o+1]), each a column (u16) and its decoded value (f32).
 * Only stored weights cost work; wasm has no gather, so this one is scalar in both builds.
 */
export function denseCsr(
  x: usize,
  rowStart: usize,
  cols: usize,
  vals: usize,
  b: usize,
  out: usize,
  outN: i32,
): void {
  for (let o = 0; o < outN; o++) {
    let k = load<i32>(rowStart + ((<usize>o) << 2));
    const end = load<i32>(rowStart + ((<usize>o) << 2), 4);
    let acc = load<f32>(b + ((<usize>o) << 2));
    let acc2: f32 = 0;
    for (; k + 1 < end; k += 2) {
      const c0 = <usize>load<u16>(cols + ((<usize>k) << 1));
      const c1 = <usize>load<u16>(cols + ((<usize>k) << 1), 2);
      acc += load<f32>(vals + ((<usize>k) << 2)) * load<f32>(x + (c0 << 2));
      acc2 += load<f32>(vals + ((<usize>k) << 2), 4) * load<f32>(x + (c1 << 2));
    }
    if (k < end)
      acc +=
        load<f32>(vals + ((<usize>k) << 2)) *
        load<f32>(x + ((<usize>load<u16>(cols + ((<usize>k) << 1))) << 2));
    store<f32>(out + ((<usize>o) << 2), acc + acc2);
  }
}
