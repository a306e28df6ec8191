// Weight sharing as a pipeline stage: per-layer k-means (linear initialisation over the
// kept weights' [min, max]), then centroid fine-tuning with masks and assignments fixed.
import type { Dataset } from '../data/digits.js';
import { train, clusteredValues } from '../train/loop.js';
import { kmeans1d, nearest, type Clusters } from './kmeans.js';
import { floatsOf, perLayer, withFloats, type CompressionState } from './state.js';
import type { FineTune } from './iterative-prune.js';

export interface ClusterOptions {
  /** Bits per cluster index (2^bits centroids), one number or per layer. */
  bits: number | Record<string, number>;
  /** Centroid fine-tuning epochs (0: none). */
  epochs: number;
}

/** k-means over the kept weights of one tensor; pruned positions get assignment 0 (unused). */
export function clusterTensor(w: Float32Array, bits: number, mask?: Uint8Array): Clusters {
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8))
    throw new Error(`mote: cluster: bits must be a whole number in 1..8, got ${bits}`);
  const kept = mask ? w.filter((_, i) => mask[i]) : w;
  // A pruned tensor needs one table slot for the exact 0 of its filler entries.
  const k = (1 << bits) - (mask && bits === 8 ? 1 : 0);
  const { centroids } = kmeans1d(kept, k);
  const assignments = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) if (!mask || mask[i]) assignments[i] = nearest(centroids, w[i]);
  return { centroids, assignments };
}

export async function clusterStage(
  state: CompressionState,
  data: Dataset | undefined,
  opts: ClusterOptions,
  tune: FineTune = {},
): Promise<CompressionState> {
  const bits = perLayer(state.graph, opts.bits, 'cluster.bits');
  const clusters = new Map(state.clusters);
  const values = new Map<string, Float32Array>();
  for (const [name, b] of bits) {
    const c = clusterTensor(floatsOf(state.graph, name), b, state.masks.get(name));
    clusters.set(name, c);
    values.set(name, clusteredValues(c, state.masks.get(name)));
  }
  let s: CompressionState = { ...state, graph: withFloats(state.graph, values), clusters };
  if (opts.epochs > 0) {
    if (!data) throw new Error('mote: cluster: centroid fine-tuning needs a data set');
    const r = await train(s.graph, data, {
      ...tune,
      epochs: opts.epochs,
      mode: 'centroids',
      masks: s.masks,
      clusters: new Map([...clusters].filter(([n]) => bits.has(n))),
    });
    s = { ...s, graph: r.graph, clusters: new Map([...clusters, ...(r.clusters ?? [])]) };
  }
  return s;
}
