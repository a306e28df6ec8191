// Structured pruning: remove whole hidden neurons of dense layers and whole output
// channels of conv layers, so the result is a smaller dense network (fewer units and
// channels, smaller matrices), not a sparse one. Importance is the L2 norm of a unit's
// incoming weights ('norm'), or how often its ReLU output is non-zero on data
// (1 − APoZ, Hu et al. 2016: 'apoz').
import type { Graph, Op, Tensor, Value } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { tf } from '../train/backend.js';
import { forwardAll } from '../train/forward.js';
import { floatsOf, perLayer, type CompressionState } from './state.js';

export interface StructuredOptions {
  /** Fraction of each hidden layer's neurons/channels to keep (0..1], or per layer. */
  keep: number | Record<string, number>;
  importance: 'norm' | 'apoz';
  /** Samples used for APoZ (default 1,000). */
  samples?: number;
}

type Layer = Extract<Op, { op: 'dense' | 'conv2d' }>;

/** A layer whose units can go: what follows it is channel-wise until the next dense/conv op. */
interface Prunable {
  op: Layer;
  /** Values from this layer's output up to the next layer's input. */
  chain: string[];
  /** The last value with units on its last axis (before any flatten). */
  activation: string;
  /** Spatial positions per channel when a flatten sits between a conv and a dense layer. */
  flattened?: number;
  next: Layer;
}

const CHANNEL_WISE = ['relu', 'clip', 'maxpool', 'avgpool'];

function prunableLayers(g: Graph): Prunable[] {
  const out: Prunable[] = [];
  const shapes = new Map(g.values.map((v) => [v.name, v.shape]));
  g.ops.forEach((op, i) => {
    if ((op.op !== 'dense' && op.op !== 'conv2d') || (op.op === 'conv2d' && op.groups !== 1)) return;
    const chain = [op.output];
    let activation = op.output;
    let flattened: number | undefined;
    for (let j = i + 1; j < g.ops.length; j++) {
      const o = g.ops[j];
      if (!('input' in o) || o.input !== chain[chain.length - 1]) continue;
      if (CHANNEL_WISE.includes(o.op) && flattened === undefined) {
        chain.push(o.output);
        activation = o.output;
      } else if (o.op === 'reshape' && op.op === 'conv2d' && flattened === undefined) {
        const s = shapes.get(activation)!;
        flattened = s.slice(0, -1).reduce((a, b) => a * b, 1);
        chain.push(o.output);
      } else if (o.op === 'dense' || (o.op === 'conv2d' && o.groups === 1 && flattened === undefined)) {
        if (o.op === 'conv2d' && op.op === 'dense') return;
        return void out.push({ op, chain, activation, flattened, next: o });
      } else return;
    }
  });
  return out.filter((p) => !g.outputs.some((o) => p.chain.includes(o)));
}

function shapeOf(g: Graph, name: string): number[] {
  return g.tensors.find((x) => x.name === name)!.shape;
}

/** Per unit of each prunable layer, a score: higher = more important. */
function importances(
  g: Graph,
  layers: Prunable[],
  how: StructuredOptions,
  data?: Dataset,
): Map<string, Float64Array> {
  const scores = new Map<string, Float64Array>();
  if (how.importance === 'norm') {
    for (const l of layers) {
      const m = shapeOf(g, l.op.weight)[0];
      const w = floatsOf(g, l.op.weight);
      const n = w.length / m;
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
    const values = forwardAll(g, (name) => tf.tensor(floatsOf(g, name), shapeOf(g, name)), x);
    for (const l of layers) {
      const act = values.get(l.activation)!;
      const units = act.shape[act.shape.length - 1];
      const firing = tf.mean(tf.cast(tf.greater(act.reshape([-1, units]), 0), 'float32'), 0).dataSync();
      scores.set(l.op.weight, Float64Array.from(firing));
    }
  });
  return scores;
}

/** Keeps rows `rows` (or all) of a [m, n] matrix and columns `cols` (or all). */
function select(
  w: Float32Array,
  m: number,
  n: number,
  rows: number[] | null,
  cols: number[] | null,
): Float32Array {
  const r = rows ?? Array.from({ length: m }, (_, i) => i);
  const c = cols ?? Array.from({ length: n }, (_, i) => i);
  const out = new Float32Array(r.length * c.length);
  r.forEach((ri, i) => c.forEach((cj, j) => (out[i * c.length + j] = w[ri * n + cj])));
  return out;
}

/** Removes the least important units; returns the smaller network (masks and clusters of changed tensors dropped). */
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
  const keptRows = new Map<string, number[]>(); // weight or bias of a pruned layer → kept units
  const keptInputs = new Map<string, { units: number[]; total: number; positions: number }>(); // next layer's weight
  const resized = new Map<string, (shape: number[]) => number[]>(); // value → new shape
  for (const l of chosen) {
    const s = scores.get(l.op.weight)!;
    const keep = Math.max(1, Math.round(s.length * keepFrac.get(l.op.weight)!));
    const units = Array.from(s.keys())
      .sort((a, b) => s[b] - s[a] || a - b)
      .slice(0, keep)
      .sort((a, b) => a - b);
    keptRows.set(l.op.weight, units);
    if (l.op.bias) keptRows.set(l.op.bias, units);
    keptInputs.set(l.next.weight, { units, total: s.length, positions: l.flattened ?? 1 });
    for (const v of l.chain)
      resized.set(v, (shape) =>
        l.flattened !== undefined &&
        v === l.chain[l.chain.length - 1] &&
        l.chain.length > 1 &&
        shape.length === 1
          ? [l.flattened * keep]
          : [...shape.slice(0, -1), keep],
      );
  }
  const masks = new Map(state.masks);
  const clusters = new Map(state.clusters);
  const tensors = g.tensors.map((t): Tensor => {
    const rows = keptRows.get(t.name) ?? null;
    const inputs = keptInputs.get(t.name);
    if (!rows && !inputs) return t;
    masks.delete(t.name);
    clusters.delete(t.name);
    const w = floatsOf(g, t.name);
    const m = t.shape[0];
    if (t.shape.length === 1)
      return {
        ...t,
        shape: [rows!.length],
        encoding: { kind: 'float32', data: select(w, m, 1, rows, null) },
      };
    // The input axis is the last one (dense [out, in]; conv [out, kH, kW, in]): select on [rows, rest].
    const inner = t.shape[t.shape.length - 1];
    let cols: number[] | null = null;
    if (inputs) {
      // A flattened conv output is position-major, channel-minor: column p·C + c.
      cols = [];
      for (let p = 0; p < inputs.positions; p++)
        for (const u of inputs.units) cols.push(p * inputs.total + u);
    }
    if (t.shape.length === 2) {
      const data = select(w, m, inner, rows, cols);
      return {
        ...t,
        shape: [rows ? rows.length : m, cols ? cols.length : inner],
        encoding: { kind: 'float32', data },
      };
    }
    // conv: first drop output channels (rows of [m, rest]), then input channels (columns of [m·kH·kW, inC]).
    const rest = w.length / m;
    let data = select(w, m, rest, rows, null);
    const outC = rows ? rows.length : m;
    const spatial = rest / inner;
    if (cols) data = select(data, outC * spatial, inner, null, cols);
    const shape = [outC, ...t.shape.slice(1, -1), cols ? cols.length : inner];
    return { ...t, shape, encoding: { kind: 'float32', data } };
  });
  const values = g.values.map((v): Value => {
    const f = resized.get(v.name);
    return f ? { ...v, shape: f(v.shape) } : v;
  });
  const ops = g.ops.map((o): Op =>
    o.op === 'reshape' && resized.has(o.output)
      ? { ...o, shape: values.find((v) => v.name === o.output)!.shape }
      : o,
  );
  return { ...state, graph: { ...g, tensors, values, ops }, masks, clusters };
}

/** Units per dense layer and channels per conv layer, for reports: 'fc1 300, fc2 100'. */
export function denseWidths(g: Graph): string {
  return g.ops
    .filter((o): o is Layer => o.op === 'dense' || o.op === 'conv2d')
    .map((o) => {
      const s = g.values.find((v) => v.name === o.output)?.shape ?? [];
      return `${o.output} ${s[s.length - 1]}`;
    })
    .join(', ');
}
