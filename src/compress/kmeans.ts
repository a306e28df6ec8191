// One-dimensional k-means for weight sharing, initialised linearly over [min, max]
// (Deep Compression found linear init keeps the rare large weights that matter).

export interface Clusters {
  centroids: Float32Array;
  assignments: Uint8Array;
}

/** Index of the centroid nearest to v; `sorted` must be ascending. */
export function nearest(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v > (sorted[mid] + sorted[mid + 1]) / 2) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function kmeans1d(values: Float32Array, k: number, iterations = 30): Clusters {
  if (k < 1 || k > 256) throw new Error(`k-means: ${k} clusters is not in 1..256`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) min = max = 0;
  const n = Math.max(1, Math.min(k, values.length));
  let centroids = new Float64Array(n);
  for (let c = 0; c < n; c++) centroids[c] = n === 1 ? (min + max) / 2 : min + ((max - min) * c) / (n - 1);
  const assignments = new Uint8Array(values.length);
  for (let it = 0; it < iterations; it++) {
    centroids.sort();
    const sorted = Float32Array.from(centroids);
    const sum = new Float64Array(n);
    const count = new Float64Array(n);
    let moved = false;
    for (let i = 0; i < values.length; i++) {
      const c = nearest(sorted, values[i]);
      if (assignments[i] !== c) moved = true;
      assignments[i] = c;
      sum[c] += values[i];
      count[c]++;
    }
    // An empty cluster keeps its centroid; the table then has an unused entry.
    centroids = centroids.map((v, c) => (count[c] ? sum[c] / count[c] : v));
    if (!moved && it > 0) break;
  }
  // Final assignment against the float32 centroids actually stored.
  const stored = Float32Array.from(centroids.sort());
  for (let i = 0; i < values.length; i++) assignments[i] = nearest(stored, values[i]);
  return dropUnused(stored, assignments);
}

/** Removes centroids no weight uses, and duplicate values, renumbering the indices. */
function dropUnused(centroids: Float32Array, assignments: Uint8Array): Clusters {
  const used = new Uint8Array(centroids.length);
  for (const a of assignments) used[a] = 1;
  const remap = new Uint8Array(centroids.length);
  const kept: number[] = [];
  centroids.forEach((c, i) => {
    if (!used[i]) return;
    const same = kept.indexOf(c);
    remap[i] = same >= 0 ? same : kept.push(c) - 1;
  });
  if (kept.length === 0) kept.push(0);
  return { centroids: Float32Array.from(kept), assignments: assignments.map((a) => remap[a]) };
}
