// Pruning masks by weight magnitude: exactly floor(n · sparsity) weights are removed,
// the smallest |w| first (ties broken by position, so the count is exact).

/** 1 = kept, 0 = pruned. */
export function magnitudeMask(data: Float32Array, sparsity: number): Uint8Array {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`prune: sparsity ${sparsity} is not in [0, 1)`);
  const drop = Math.floor(data.length * sparsity);
  const order = Uint32Array.from(data.keys()).sort((a, b) => Math.abs(data[a]) - Math.abs(data[b]) || a - b);
  const mask = new Uint8Array(data.length).fill(1);
  for (let i = 0; i < drop; i++) mask[order[i]] = 0;
  return mask;
}

export function applyMask(data: Float32Array, mask: Uint8Array): Float32Array {
  return data.map((v, i) => (mask[i] ? v : 0));
}

export function maskSparsity(mask: Uint8Array): number {
  let kept = 0;
  for (const m of mask) kept += m;
  return mask.length ? 1 - kept / mask.length : 0;
}
