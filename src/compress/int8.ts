// Compression of already-int8 weights (imported int8 models), keeping them integers so
// the int8 kernels still run on them: the values of each weight tensor are shared
// through 2^bits levels found by k-means over the int8 values (8 bits: every value
// keeps its own level, lossless), then stored as a Huffman-coded (or fixed-width) stream.
import type { Graph, Int8Encoding, StreamCoding, Tensor } from '../ir/types.js';

export interface Int8CompressOptions {
  /** Levels per tensor: 2^bits (1..8); 8 keeps every value. */
  bits: number;
  coding?: StreamCoding;
}

/** The weights that int8 ops (dense, conv2d with an int8 output) read. */
export function int8OpWeights(g: Graph): Set<string> {
  const int8 = new Set([...g.inputs, ...g.values].filter((v) => v.quant).map((v) => v.name));
  return new Set(
    g.ops.flatMap((op) =>
      (op.op === 'dense' || op.op === 'conv2d') && int8.has(op.output) ? [op.weight] : [],
    ),
  );
}

export function compressInt8Weights(g: Graph, opts: Int8CompressOptions): Graph {
  if (!(Number.isInteger(opts.bits) && opts.bits >= 1 && opts.bits <= 8))
    throw new Error(`compress: int8 levels need 1..8 bits, not ${opts.bits}`);
  const weights = int8OpWeights(g);
  const tensors = g.tensors.map((t): Tensor => {
    if (!weights.has(t.name) || t.encoding.kind !== 'int8') return t;
    const values = clusterInt8(t.encoding.values, 1 << opts.bits);
    const encoding: Int8Encoding = { ...t.encoding, values, coding: opts.coding ?? 'huffman' };
    return { ...t, encoding };
  });
  return { ...g, tensors };
}

/**
 * 1-D k-means over int8 values, run on their histogram: centroids start evenly over
 * [min, max], each value moves to its nearest centroid, centroids to their members'
 * mean, until nothing moves; centroids are then rounded to integers.
 */
export function clusterInt8(q: Int8Array, k: number): Int8Array {
  const hist = new Float64Array(256);
  for (const v of q) hist[v + 128]++;
  const used = [...hist.keys()].filter((i) => hist[i] > 0);
  if (used.length <= k) return Int8Array.from(q);
  const lo = used[0];
  const hi = used[used.length - 1];
  let centroids = Array.from({ length: k }, (_, j) => lo + ((hi - lo) * j) / (k - 1));
  const nearest = new Int32Array(256);
  for (let iter = 0; iter < 100; iter++) {
    let moved = false;
    for (const i of used) {
      let best = 0;
      for (let j = 1; j < k; j++) if (Math.abs(centroids[j] - i) < Math.abs(centroids[best] - i)) best = j;
      if (nearest[i] !== best) moved = true;
      nearest[i] = best;
    }
    const sum = new Float64Array(k);
    const count = new Float64Array(k);
    for (const i of used) {
      sum[nearest[i]] += i * hist[i];
      count[nearest[i]] += hist[i];
    }
    centroids = centroids.map((c, j) => (count[j] ? sum[j] / count[j] : c));
    if (!moved && iter > 0) break;
  }
  const level = Int32Array.from(centroids, (c) => Math.round(c) - 128);
  return Int8Array.from(q, (v) => level[nearest[v + 128]]);
}
