// Turns a compression state into the format's encodings: pruned + clustered weights as
// sparse codebook (relative indices, Deep Compression's layout), clustered as codebook,
// pruned as sparse float32, quantized as int8 / int4 / binary. The relative-index width
// is chosen per tensor (the one giving the fewest bytes) unless fixed.
import type { CodebookEncoding, Encoding, Graph, SparseEncoding, StreamCoding, Tensor } from '../ir/types.js';
import { encodeBlob } from '../format/writer.js';
import type { Clusters } from './kmeans.js';
import { toBinary, toInt4, toInt8 } from './quantize.js';
import type { CompressionState } from './state.js';
import { weightLayers } from './state.js';
import { toSparse } from './sparse.js';

export interface EncodeOptions {
  /** Relative-index width 1..8, or 'auto' (default): the smallest file per tensor. */
  gapBits?: number | 'auto';
  coding?: StreamCoding;
  /** Biases as float32 (default) or affine int8 per tensor. */
  biases?: 'float32' | 'int8';
}

/** Sparse entries over a mask: gaps with fillers, and each entry's cluster index. */
export function sparseCodebook(
  clusters: Clusters,
  mask: Uint8Array,
  gapBits: number,
  coding: StreamCoding,
): SparseEncoding {
  const maxGap = (1 << gapBits) - 1;
  const gaps: number[] = [];
  const entries: number[] = [];
  let run = 0;
  let fillers = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] && run < maxGap) {
      run++;
      continue;
    }
    gaps.push(run);
    entries.push(mask[i] ? clusters.assignments[i] : -1);
    if (!mask[i]) fillers++;
    run = 0;
  }
  let table = clusters.centroids;
  let zero = table.indexOf(0);
  if (fillers && zero < 0) {
    if (table.length >= 256)
      throw new Error('mote: encode: a pruned tensor needs room for a 0 in its codebook');
    table = Float32Array.from([...table, 0]);
    zero = table.length - 1;
  }
  const values: CodebookEncoding = {
    kind: 'codebook',
    codebook: table,
    indices: Uint8Array.from(entries, (e) => (e < 0 ? zero : e)),
    coding,
  };
  return { kind: 'sparse', gapBits, gaps: Uint8Array.from(gaps), gapCoding: coding, values };
}

function smallest(make: (gapBits: number) => Encoding, t: Tensor, gapBits: number | 'auto'): Encoding {
  if (gapBits !== 'auto') return make(gapBits);
  let best: Encoding | undefined;
  let bestBytes = Infinity;
  for (let b = 2; b <= 8; b++) {
    const e = make(b);
    const bytes = encodeBlob({ ...t, encoding: e }).length;
    if (bytes < bestBytes) {
      best = e;
      bestBytes = bytes;
    }
  }
  return best!;
}

export function encodeTensor(state: CompressionState, t: Tensor, opts: EncodeOptions = {}): Encoding {
  if (t.encoding.kind !== 'float32') return t.encoding;
  const data = t.encoding.data;
  const coding = opts.coding ?? 'huffman';
  const gapBits = opts.gapBits ?? 'auto';
  const mask = state.masks.get(t.name);
  const clusters = state.clusters.get(t.name);
  const q = state.quantized.get(t.name);
  if (q) {
    const axis = q.perChannel ? 0 : -1;
    if (q.mode === 'binary') return toBinary(data, t.shape);
    if (q.mode === 'int4') return toInt4(data, t.shape, axis, coding);
    return toInt8(data, t.shape, axis);
  }
  if (clusters && mask) return smallest((b) => sparseCodebook(clusters, mask, b, coding), t, gapBits);
  if (clusters)
    return { kind: 'codebook', codebook: clusters.centroids, indices: clusters.assignments, coding };
  if (mask) return smallest((b) => toSparse(data, { gapBits: b, coding }), t, gapBits);
  return t.encoding;
}

/** The graph with every weight tensor encoded as its state says, biases as asked. */
export function encodeState(state: CompressionState, opts: EncodeOptions = {}): Graph {
  const biases = new Set(weightLayers(state.graph).flatMap((l) => (l.bias ? [l.bias] : [])));
  const tensors = state.graph.tensors.map((t): Tensor => {
    if (biases.has(t.name)) {
      if (opts.biases === 'int8' && t.encoding.kind === 'float32')
        return { ...t, encoding: toInt8(t.encoding.data, t.shape, -1) };
      return t;
    }
    return { ...t, encoding: encodeTensor(state, t, opts) };
  });
  return { ...state.graph, tensors };
}
