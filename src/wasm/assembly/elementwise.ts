// Element-wise kernels over activations in wasm memory. n is rounded up to 4 by the
// host (every buffer is padded), so SIMD loops need no tail.

/** out = x > 0 ? x : 0, as the runtime's JS kernel (NaN gives 0, as it does there). */
export function relu(x: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (let i = 0; i < n; i += 4) {
      const at = (<usize>i) << 2;
      // pmax(0, v) is `0 < v ? v : 0`; max(v, 0) would pass NaN through.
      v128.store(out + at, f32x4.pmax(zero, v128.load(x + at)));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = load<f32>(x + ((<usize>i) << 2));
      store<f32>(out + ((<usize>i) << 2), v > 0 ? v : 0);
    }
  }
}

/** out = min(max(x, lo), hi). */
export function clip(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    store<f32>(out + ((<usize>i) << 2), v < lo ? lo : v > hi ? hi : v);
  }
}

/** Softmax over each run of `last` values, shifted by the max; sums in f64 like the JS kernel. */
export function softmax(x: usize, out: usize, n: i32, last: i32): void {
  for (let s = 0; s < n; s += last) {
    const base = (<usize>s) << 2;
    let max = load<f32>(x + base);
    for (let i = 1; i < last; i++) {
      const v = load<f32>(x + base + ((<usize>i) << 2));
      if (v > max) max = v;
    }
    let sum: f64 = 0;
    for (let i = 0; i < last; i++) {
      const at = base + ((<usize>i) << 2);
      const e = Math.exp(<f64>load<f32>(x + at) - <f64>max);
      store<f32>(out + at, <f32>e);
      sum += e;
    }
    for (let i = 0; i < last; i++) {
      const at = out + base + ((<usize>i) << 2);
      store<f32>(at, <f32>(<f64>load<f32>(at) / sum));
    }
  }
}
