// Structured pruning: remove whole hidden neurons of dense layers, so the result is a
// smaller dense network (fewer units, smaller matrices), not a sparse one. A neuron's
// importance is the L2 norm of its incoming weights ('norm'), or how often its ReLU
// output is non-zero on data (1 − APoZ, Hu et al. 2016: 'apoz').
import type { Graph, Op, Tensor, Value } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { tf } from '../train/backend.js';
import { forwardAll } from '../train/forward.js';
import { floatsOf, perLayer, type CompressionState } from './state.js';

export interface StructuredOptions {
  /** Fraction of each hidden dense layer's neurons to keep (0..1], or per layer. */
  keep: number | Record<string, number>;
  importance: 'norm' | 'apoz';
  /** Samples used for APoZ (default 1,000). */
  samples?: number;
}

/** A dense layer whose neurons can go: the next consumer (after element-wise ops) is a dense op. */
interface Prunable {
  op: Extract<Op, { op: 'dense' }>;
  /** Values between this layer and the next dense op (the layer's output, its ReLU). */
  chain: string[];
  next: Extract<Op, { op: 'dense' }>;
}

function prunableLayers(g: Graph): Prunable[] {
  const out: Prunable[] = [];
  g.ops.forEach((op, i) => {
    if (op.op !== 'dense') return;
    const chain = [op.output];
    for (let j = i + 1; j < g.ops.length; j++) {
      const o = g.ops[j];
      if (!('input' in o) || o.input !== chain[chain.length - 1]) continue;
      if (o.op === 'relu' || o.op === 'clip') chain.push(o.output);
      else if (o.op === 'dense') return void out.push({ op, chain, next: o });
      else return;
    }
  });
  return out.filter((p) => !g.outputs.some((o) => p.chain.includes(o)));
}

/** Per neuron of each prunable layer, a score: higher = more important. */
function importances(
  g: Graph,
  layers: Prunable[],
  how: StructuredOptions,
  data?: Dataset,
): Map<string, Float64Array> {
  const scores = new Map<string, Float64Array>();
  if (how.importance === 'norm') {
    for (const l of layers) {
      const t = g.tensors.find((x) => x.name === l.op.weight)!;
      const [m, n] = t.shape;
      const w = floatsOf(g, l.op.weight);
      scores.set(
        l.op.weight,
        Float64Array.from({ length: m }, (_, r) => Math.hypot(...w.subarray(r * n, (r + 1) * n))),
      );
    }
    return scores;
  }
  if (!data || data.count === 0) throw new Error('mote: structured: APoZ needs a non-empty data set');
  const count = Math.min(data.count, how.samples ?? 1000);
  const per = data.features.length / data.count;
  tf.tidy(() => {
    const x = tf.tensor(data.features.subarray(0, count * per), [count, ...g.inputs[0].shape]);
    const values = forwardAll(
      g,
      (name) => tf.tensor(floatsOf(g, name), g.tensors.find((t) => t.name === name)!.shape),
      x,
    );
    for (const l of layers) {
      const act = values.get(l.chain[l.chain.length - 1])!;
      const firing = tf.mean(tf.cast(tf.greater(act, 0), 'float32'), 0).dataSync();
      scores.set(l.op.weight, Float64Array.from(firing));
    }
  });
  return scores;
}

/** Rows `keep` of a row-major matrix, and columns `keepCols`. */
function select(
  w: Float32Array,
  rows: number,
  cols: number,
  keepRows: number[] | null,
  keepCols: number[] | null,
): Float32Array {
  const r = keepRows ?? Array.from({ length: rows }, (_, i) => i);
  const c = keepCols ?? Array.from({ length: cols }, (_, i) => i);
  const out = new Float32Array(r.length * c.length);
  r.forEach((ri, i) => c.forEach((cj, j) => (out[i * c.length + j] = w[ri * cols + cj])));
  return out;
}

/** Removes the least important neurons; returns the smaller dense network (no masks kept on changed layers). */
export function structuredPrune(
  state: CompressionState,
  opts: StructuredOptions,
  data?: Dataset,
): CompressionState {
  const g = state.graph;
  const layers = prunableLayers(g);
  const keepFrac = perLayer(g, opts.keep, 'structured.keep');
  const chosen = layers.filter((l) => keepFrac.has(l.op.weight));
  for (const l of chosen) {
    const k = keepFrac.get(l.op.weight)!;
    if (!(k > 0 && k <= 1))
      throw new Error(`mote: structured: keep of '${l.op.output}' is ${k}, not in (0, 1]`);
  }
  const scores = importances(g, chosen, opts, data);
  const keptRows = new Map<string, number[]>(); // by weight of the pruned layer
  const keptCols = new Map<string, number[]>(); // by weight of the next layer
  const newSize = new Map<string, number>(); // by value name
  for (const l of chosen) {
    const s = scores.get(l.op.weight)!;
    const keep = Math.max(1, Math.round(s.length * keepFrac.get(l.op.weight)!));
    const rows = Array.from(s.keys())
      .sort((a, b) => s[b] - s[a] || a - b)
      .slice(0, keep)
      .sort((a, b) => a - b);
    keptRows.set(l.op.weight, rows);
    keptCols.set(l.next.weight, rows);
    if (l.op.bias) keptRows.set(l.op.bias, rows);
    for (const v of l.chain) newSize.set(v, keep);
  }
  const masks = new Map(state.masks);
  const clusters = new Map(state.clusters);
  const tensors = g.tensors.map((t): Tensor => {
    const rows = keptRows.get(t.name) ?? null;
    const cols = keptCols.get(t.name) ?? null;
    if (!rows && !cols) return t;
    masks.delete(t.name);
    clusters.delete(t.name);
    const [m, n] = t.shape.length === 2 ? t.shape : [t.shape[0], 1];
    const data = select(floatsOf(g, t.name), m, n, rows, cols);
    const shape = t.shape.length === 2 ? [rows ? rows.length : m, cols ? cols.length : n] : [rows!.length];
    return { ...t, shape, encoding: { kind: 'float32', data } };
  });
  const values = g.values.map((v): Value =>
    newSize.has(v.name) ? { ...v, shape: [newSize.get(v.name)!] } : v,
  );
  return { ...state, graph: { ...g, tensors, values }, masks, clusters };
}

/** Hidden units per dense layer, for reports: 'fc1 300, fc2 100'. */
export function denseWidths(g: Graph): string {
  return g.ops
    .filter((o): o is Extract<Op, { op: 'dense' }> => o.op === 'dense')
    .map((o) => `${o.output} ${g.values.find((v) => v.name === o.output)?.shape[0]}`)
    .join(', ');
}
