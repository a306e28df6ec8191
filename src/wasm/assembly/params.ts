// The kernels' parameter blocks are i32 arrays the host writes once at load
// (src/wasm/accelerator.ts); every kernel reads them through this one accessor.

/** The i32 at index k of the block at p. */
export function param(p: usize, k: i32): i32 {
  return load<i32>(p + ((<usize>k) << 2));
}
