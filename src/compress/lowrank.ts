// Low-rank factorisation of dense layers: W (m×n) ≈ P (m×k) · Q (k×n) from the SVD,
// P = U_k·√S_k and Q = √S_k·V_kᵀ, so the layer becomes two dense ops of k(m + n) weights.
import type { DenseOp, Graph, Op, Tensor, Value } from '../ir/types.js';
import { floatsOf, perLayer, type CompressionState } from './state.js';
import { rankForEnergy, svd } from './svd.js';

export interface LowRankOptions {
  /** A fixed rank, or per layer. */
  rank?: number | Record<string, number>;
  /** Or the fraction of the squared singular values to keep (0..1]. */
  energy?: number | Record<string, number>;
}

export interface Factors {
  p: Float32Array;
  q: Float32Array;
  rank: number;
}

/** Rank-k factors of the row-major m×n matrix w. */
export function factorise(
  w: Float32Array,
  m: number,
  n: number,
  choose: { rank?: number; energy?: number },
): Factors {
  const d = svd(w, m, n);
  const full = d.s.length;
  const k = choose.rank !== undefined ? Math.min(choose.rank, full) : rankForEnergy(d.s, choose.energy ?? 1);
  if (!(Number.isInteger(k) && k >= 1))
    throw new Error(`mote: lowrank: rank must be a whole number ≥ 1, got ${k}`);
  const p = new Float32Array(m * k);
  const q = new Float32Array(k * n);
  for (let j = 0; j < k; j++) {
    const r = Math.sqrt(d.s[j]);
    for (let i = 0; i < m; i++) p[i * k + j] = d.u[j * m + i] * r;
    for (let i = 0; i < n; i++) q[j * n + i] = d.v[j * n + i] * r;
  }
  return { p, q, rank: k };
}

/** Replaces each chosen dense layer by two; layers whose factors would not be smaller stay. */
export function lowRankStage(state: CompressionState, opts: LowRankOptions): CompressionState {
  const g = state.graph;
  if ((opts.rank === undefined) === (opts.energy === undefined))
    throw new Error('mote: lowrank: give exactly one of rank and energy');
  const chosen =
    opts.rank !== undefined
      ? perLayer(g, opts.rank, 'lowrank.rank')
      : perLayer(g, opts.energy!, 'lowrank.energy');
  const tensors: Tensor[] = [...g.tensors];
  const values: Value[] = [];
  const ops: Op[] = [];
  const masks = new Map(state.masks);
  const clusters = new Map(state.clusters);
  const byValue = new Map(g.values.map((v) => [v.name, v]));
  for (const op of g.ops) {
    const setting = op.op === 'dense' ? chosen.get(op.weight) : undefined;
    if (op.op !== 'dense' || setting === undefined) {
      ops.push(op);
      values.push(byValue.get(op.output)!);
      continue;
    }
    const wt = g.tensors.find((t) => t.name === op.weight)!;
    const [m, n] = wt.shape;
    const f = factorise(
      floatsOf(g, op.weight),
      m,
      n,
      opts.rank !== undefined ? { rank: setting } : { energy: setting },
    );
    if (f.rank * (m + n) >= m * n) {
      ops.push(op);
      values.push(byValue.get(op.output)!);
      continue;
    }
    const mid = `${op.output}.lowrank`;
    const qName = `${op.weight}.q`;
    const pName = `${op.weight}.p`;
    tensors.splice(
      tensors.findIndex((t) => t.name === op.weight),
      1,
      { name: qName, shape: [f.rank, n], encoding: { kind: 'float32', data: f.q } },
      { name: pName, shape: [m, f.rank], encoding: { kind: 'float32', data: f.p } },
    );
    masks.delete(op.weight);
    clusters.delete(op.weight);
    const first: DenseOp = { op: 'dense', input: op.input, output: mid, weight: qName };
    const second: DenseOp = { ...op, input: mid, weight: pName };
    ops.push(first, second);
    values.push({ name: mid, shape: [f.rank] }, byValue.get(op.output)!);
  }
  const graph: Graph = { ...g, tensors, values, ops };
  return { ...state, graph, masks, clusters };
}
