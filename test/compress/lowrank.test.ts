import { describe, expect, it } from 'vitest';
import { svd, rankForEnergy } from '../../src/compress/svd.js';
import { factorise, lowRankStage } from '../../src/compress/lowrank.js';
import { initialState } from '../../src/compress/state.js';
import { validateGraph } from '../../src/ir/validate.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { mlp, randomWeights } from '../helpers/graphs.js';

function frobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function product(p: Float32Array, q: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) out[i * n + j] += p[i * k + t] * q[t * n + j];
  return out;
}

describe('SVD low-rank factorisation', () => {
  for (const [m, n] of [
    [20, 12],
    [9, 30],
  ]) {
    it(`decomposes a ${m}×${n} matrix: orthonormal factors, exact at full rank`, () => {
      const a = randomWeights(m * n, m * 100 + n);
      const d = svd(a, m, n);
      const k = Math.min(m, n);
      for (let i = 0; i + 1 < k; i++) expect(d.s[i]).toBeGreaterThanOrEqual(d.s[i + 1]);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          let uu = 0;
          let vv = 0;
          for (let r = 0; r < m; r++) uu += d.u[i * m + r] * d.u[j * m + r];
          for (let r = 0; r < n; r++) vv += d.v[i * n + r] * d.v[j * n + r];
          expect(uu).toBeCloseTo(i === j ? 1 : 0, 9);
          expect(vv).toBeCloseTo(i === j ? 1 : 0, 9);
        }
      const f = factorise(a, m, n, { rank: k });
      expect(frobenius(product(f.p, f.q, m, k, n), a)).toBeLessThan(1e-5);
    });
  }

  it('rank-k error is the Eckart–Young bound: the norm of the dropped singular values', () => {
    const m = 24;
    const n = 16;
    const a = randomWeights(m * n, 42);
    const d = svd(a, m, n);
    for (const k of [1, 4, 10]) {
      const f = factorise(a, m, n, { rank: k });
      const bound = Math.sqrt(d.s.slice(k).reduce((s, x) => s + x * x, 0));
      expect(frobenius(product(f.p, f.q, m, k, n), a)).toBeCloseTo(bound, 4);
    }
  });

  it('picks the smallest rank keeping the energy fraction', () => {
    const s = Float64Array.from([3, 2, 1, 0.5]);
    expect(rankForEnergy(s, 9 / 14.25)).toBe(1);
    expect(rankForEnergy(s, 0.95)).toBe(3);
    expect(rankForEnergy(s, 1)).toBe(4);
  });

  it('replaces a dense layer by two smaller ones that the runtime runs', () => {
    // fc0's weight has rank 3, so its rank-3 factors are exact (and smaller: 3·70 < 1200).
    const g = mlp([40, 30, 5], 8, (w, shape, l) =>
      l === 0
        ? {
            kind: 'float32',
            data: Float32Array.from(product(randomWeights(90, 3), randomWeights(120, 4), 30, 3, 40)),
          }
        : { kind: 'float32', data: w },
    );
    const s = lowRankStage(initialState(g), { rank: { fc0: 3 } });
    validateGraph(s.graph);
    expect(s.graph.tensors.find((t) => t.name === 'fc0.weight.q')!.shape).toEqual([3, 40]);
    expect(s.graph.tensors.find((t) => t.name === 'fc0.weight.p')!.shape).toEqual([30, 3]);
    const x = randomWeights(40, 1);
    const a = run(load(writeMote(g)), x).outputs[0];
    const b = run(load(writeMote(s.graph)), x).outputs[0];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
    // A rank that would not save weights leaves the layer alone.
    const same = lowRankStage(initialState(g), { rank: 30 });
    expect(same.graph.ops.filter((o) => o.op === 'dense').length).toBe(2);
  });
});
