// Builds the codebook and sparse (relative-index) encodings from float weights.
import type { CodebookEncoding, SparseEncoding, StreamCoding } from '../ir/types.js';
import { kmeans1d, nearest } from './kmeans.js';

/** Weight sharing over all weights: 2^bits clusters. */
export function toCodebook(
  data: Float32Array,
  bits: number,
  coding: StreamCoding = 'huffman',
): CodebookEncoding {
  const { centroids, assignments } = kmeans1d(data, 1 << bits);
  return { kind: 'codebook', codebook: centroids, indices: assignments, coding };
}

export interface SparseOptions {
  /** Width of a relative index; longer zero runs get filler entries. */
  gapBits: number;
  /** Cluster the non-zeros into 2^bits shared values; omit to keep them float32. */
  clusterBits?: number;
  coding?: StreamCoding;
}

/**
 * Deep Compression's CSR-with-relative-indices: each non-zero stores the zeros
 * since the previous entry; a run longer than 2^gapBits - 1 gets a filler entry of 0.
 */
export function toSparse(data: Float32Array, opts: SparseOptions): SparseEncoding {
  const coding = opts.coding ?? 'huffman';
  const maxGap = (1 << opts.gapBits) - 1;
  const gaps: number[] = [];
  const positions: number[] = [];
  let run = 0;
  data.forEach((v, i) => {
    if (v === 0 && run < maxGap) {
      run++;
      return;
    }
    // Either a real non-zero, or a filler at a zero once the run hits the maximum gap.
    gaps.push(run);
    positions.push(i);
    run = 0;
  });
  const nonzero = Float32Array.from(positions, (p) => data[p]);
  let values: SparseEncoding['values'];
  if (opts.clusterBits === undefined) {
    values = { kind: 'float32', data: nonzero };
  } else {
    // Cluster the true non-zeros only; fillers get an exact 0 entry (within 256 symbols).
    const real = nonzero.filter((v) => v !== 0);
    const fillers = real.length < nonzero.length;
    const { centroids } = kmeans1d(
      real,
      (1 << opts.clusterBits) - (fillers && opts.clusterBits === 8 ? 1 : 0),
    );
    const table = fillers && !centroids.includes(0) ? Float32Array.from([...centroids, 0]) : centroids;
    // Real non-zeros map to the real centroids only, so the sparsity pattern is kept exactly.
    const indices = Uint8Array.from(nonzero, (v) => (v === 0 ? table.indexOf(0) : nearest(centroids, v)));
    values = { kind: 'codebook', codebook: table, indices, coding };
  }
  return { kind: 'sparse', gapBits: opts.gapBits, gaps: Uint8Array.from(gaps), gapCoding: coding, values };
}
