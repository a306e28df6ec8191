// Estimated on-device time: the cost model's arithmetic over a profile.
import { describe, expect, it } from 'vitest';
import { costOf, estimateOps, estimateTotals } from '../../src/emulate/estimate.js';
import type { OpProfile } from '../../src/runtime/model.js';
import type { CostModel } from '../../targets/target.js';
import { getTarget } from '../../targets/index.js';

const cost: CostModel = {
  usPerMac: { dense: 0.5, 'dense-decode': 2, 'dense-sparse': 3 },
  usPerDecodedBit: 0.25,
  usPerElement: 4,
  usPerOp: 10,
  source: 'test',
};

const op = (p: Partial<OpProfile> & Pick<OpProfile, 'kernel'>): OpProfile => ({
  name: p.kernel,
  op: p.kernel.startsWith('dense') ? 'dense' : p.kernel,
  macs: 0,
  bits: 0,
  elements: 0,
  ms: 0,
  ...p,
});

describe('estimateOps', () => {
  it('prices MACs by kernel, decoded bits, elements and a fixed cost per op', () => {
    const [dense, decode, sparse, relu, softmax] = estimateOps(
      [
        op({ kernel: 'dense', macs: 1000, elements: 10 }),
        op({ kernel: 'dense-decode', macs: 1000, bits: 3000, elements: 10 }),
        op({ kernel: 'dense-sparse', macs: 400, bits: 800, elements: 10 }),
        op({ kernel: 'relu', elements: 10 }),
        op({ kernel: 'softmax', elements: 4 }),
      ],
      cost,
    );
    // (1000 × 0.5 + 10 × 4 + 10) µs
    expect(dense.estimatedMs).toBeCloseTo(0.55, 12);
    // (1000 × 2 + 3000 × 0.25 + 10 × 4 + 10) µs
    expect(decode.estimatedMs).toBeCloseTo(2.8, 12);
    expect(decode).toMatchObject({ macMs: 2, decodeMs: 0.75, elementMs: 0.04, overheadMs: 0.01 });
    // (400 × 3 + 800 × 0.25 + 10 × 4 + 10) µs
    expect(sparse.estimatedMs).toBeCloseTo(1.45, 12);
    // Element-wise ops: no MAC price; (10 × 4 + 10) µs and (4 × 4 + 10) µs.
    expect(relu.estimatedMs).toBeCloseTo(0.05, 12);
    expect(relu.macMs).toBe(0);
    expect(softmax.estimatedMs).toBeCloseTo(0.026, 12);
  });

  it('keeps names and counts; reshape costs only its op overhead', () => {
    const [r] = estimateOps([op({ name: 'flat', kernel: 'reshape', elements: 784 })], cost);
    expect(r).toMatchObject({ name: 'flat', op: 'reshape', kernel: 'reshape', elements: 784, elementMs: 0 });
    expect(r.estimatedMs).toBeCloseTo(0.01, 12);
  });

  it("prices a dense kernel the model does not know as 'dense-decode', and says so", () => {
    const [r] = estimateOps([op({ kernel: 'dense-install', macs: 100, bits: 8 })], cost);
    expect(r.macMs).toBeCloseTo(0.2, 12);
    expect(r.note).toMatch(/dense-install.*dense-decode/);
  });

  it('totals are the sums over ops', () => {
    const ops = estimateOps(
      [op({ kernel: 'dense-decode', macs: 10, bits: 20, elements: 2 }), op({ kernel: 'relu', elements: 2 })],
      cost,
    );
    const t = estimateTotals(ops);
    expect(t).toMatchObject({ macs: 10, bits: 20, elements: 4 });
    expect(t.estimatedMs).toBeCloseTo(ops[0].estimatedMs + ops[1].estimatedMs, 12);
    expect(t.macMs + t.decodeMs + t.elementMs + t.overheadMs).toBeCloseTo(t.estimatedMs, 12);
    expect(estimateTotals([]).estimatedMs).toBe(0);
  });

  it("reads a target's cost model, and tolerates a descriptor without one", () => {
    expect(costOf(getTarget('banglejs2'))).toBe(getTarget('banglejs2').cost);
    expect(costOf({})).toBeUndefined();
  });
});
