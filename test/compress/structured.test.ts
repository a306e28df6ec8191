import { describe, expect, it, beforeAll } from 'vitest';
import { initTraining } from '../../src/train/backend.js';
import { structuredPrune } from '../../src/compress/structured.js';
import { initialState, floatsOf } from '../../src/compress/state.js';
import { validateGraph } from '../../src/ir/validate.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { mlp, randomWeights } from '../helpers/graphs.js';
import { synthetic } from '../helpers/tiny-data.js';

beforeAll(() => initTraining());

describe('structured pruning', () => {
  it('removes the lowest-norm neurons: smaller dense matrices, same function on the kept ones', () => {
    const g = mlp([10, 8, 6, 3], 21);
    // Make neurons 2 and 5 of fc0 clearly the weakest.
    const w0 = floatsOf(g, 'fc0.weight');
    for (const r of [2, 5]) for (let i = 0; i < 10; i++) w0[r * 10 + i] *= 0.01;
    const s = structuredPrune(initialState(g), { keep: { fc0: 0.75 }, importance: 'norm' });
    validateGraph(s.graph);
    const shape = (n: string) => s.graph.tensors.find((t) => t.name === n)!.shape;
    expect(shape('fc0.weight')).toEqual([6, 10]);
    expect(shape('fc0.bias')).toEqual([6]);
    expect(shape('fc1.weight')).toEqual([6, 6]);
    expect(shape('fc2.weight')).toEqual([3, 6]);
    expect(s.graph.values.find((v) => v.name === 'fc0.relu')!.shape).toEqual([6]);
    // Kept rows are the original rows 0,1,3,4,6,7 in order.
    expect(Array.from(floatsOf(s.graph, 'fc0.weight').subarray(20, 30))).toEqual(
      Array.from(w0.subarray(30, 40)),
    );
    // The output barely changes: the removed neurons carried almost nothing.
    const x = randomWeights(10, 3).map(Math.abs);
    const before = run(load(writeMote(initialState(g).graph)), x).outputs[0];
    const after = run(load(writeMote(s.graph)), x).outputs[0];
    for (let i = 0; i < 3; i++) expect(after[i]).toBeCloseTo(before[i], 1);
  });

  it('APoZ keeps the neurons that fire on data', () => {
    const g = mlp([12, 8, 4], 22);
    const b = floatsOf(g, 'fc0.bias');
    b[1] = -100; // never fires
    b[4] = -100;
    const s = structuredPrune(initialState(g), { keep: 0.75, importance: 'apoz' }, synthetic(64, 12, 4, 1));
    const kept = floatsOf(s.graph, 'fc0.bias');
    expect(kept.length).toBe(6);
    expect(Array.from(kept)).not.toContain(-100);
  });
});
