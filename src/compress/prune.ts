// Magnitude pruning: zero the weights whose |w| falls below the layer's threshold.

/** The smallest |w| that survives when `sparsity` (0..1) of the weights are removed. */
export function magnitudeThreshold(data: Float32Array, sparsity: number): number {
  if (sparsity < 0 || sparsity >= 1) throw new Error(`prune: sparsity ${sparsity} is not in [0, 1)`);
  const drop = Math.floor(data.length * sparsity);
  if (drop === 0) return 0;
  const mags = Float32Array.from(data, Math.abs).sort();
  // Ties at the boundary all survive, so sparsity can come out a little under target.
  return mags[drop];
}

/** A pruned copy: exactly-zero weights below the threshold, the rest unchanged. */
export function pruneByMagnitude(data: Float32Array, sparsity: number): Float32Array {
  const t = magnitudeThreshold(data, sparsity);
  return data.map((v) => (Math.abs(v) < t ? 0 : v));
}
