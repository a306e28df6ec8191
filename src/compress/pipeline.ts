// Post-training compression of a float graph's dense weights into the format's
// encodings. The full training-aware pipeline (fine-tuning, schedules) builds on this.
import type { Encoding, Graph, StreamCoding, Tensor } from '../ir/types.js';
import { pruneByMagnitude } from './prune.js';
import { toCodebook, toSparse } from './sparse.js';
import { toBinary, toInt8 } from './quantize.js';
import { decodeWeights } from '../format/decode.js';
import { compressInt8Weights, int8OpWeights } from './int8.js';

export interface CompressOptions {
  /** Fraction of each weight matrix to zero by magnitude (0..1); stored sparse. */
  prune?: number;
  /** Share weights through 2^bits k-means clusters. */
  clusterBits?: number;
  /** Quantize instead of clustering: affine int8 per output channel, or binary (sign × row scale). */
  quantize?: 'int8' | 'binary';
  /** Relative-index width for sparse tensors (Deep Compression: 5 for dense layers). */
  gapBits?: number;
  /** Huffman-code indices and gaps (default), or pack them at a fixed width. */
  coding?: StreamCoding;
}

/** Returns a new graph whose dense and conv weights are compressed as asked (conv: one row per output channel); biases stay float32. */
export function compressGraph(g: Graph, opts: CompressOptions): Graph {
  if (opts.quantize && opts.clusterBits !== undefined)
    throw new Error('compress: choose clustering or quantization, not both');
  if (opts.clusterBits !== undefined && !(opts.clusterBits >= 1 && opts.clusterBits <= 8)) {
    throw new Error(`compress: cluster bits ${opts.clusterBits} not in 1..8`);
  }
  // Weights of int8 ops stay int8 (the integer kernels read them so): clustering shares
  // their int8 values instead (src/compress/int8.ts).
  const int8Weights = int8OpWeights(g);
  if (opts.clusterBits !== undefined && int8Weights.size)
    g = compressInt8Weights(g, { bits: opts.clusterBits, coding: opts.coding });
  const weights = new Set(
    g.ops.flatMap((op) =>
      (op.op === 'dense' || op.op === 'conv2d') && !int8Weights.has(op.weight) ? [op.weight] : [],
    ),
  );
  const tensors = g.tensors.map((t): Tensor => {
    if (!weights.has(t.name)) return t;
    return { ...t, encoding: compressTensor(decodeWeights(t), t.shape, opts) };
  });
  return { ...g, tensors };
}

export function compressTensor(data: Float32Array, shape: number[], opts: CompressOptions): Encoding {
  const coding = opts.coding ?? 'huffman';
  if (opts.quantize === 'binary') return toBinary(data, shape);
  const pruned = opts.prune ? pruneByMagnitude(data, opts.prune) : data;
  if (opts.quantize === 'int8') return toInt8(pruned, shape, 0);
  if (opts.prune)
    return toSparse(pruned, { gapBits: opts.gapBits ?? 5, clusterBits: opts.clusterBits, coding });
  if (opts.clusterBits !== undefined) return toCodebook(pruned, opts.clusterBits, coding);
  return { kind: 'float32', data: pruned };
}
