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

describe('structured pruning of conv channels', () => {
  it('drops output channels of convs (and the matching inputs downstream, through pool and flatten)', async () => {
    const { tf } = await import('../../src/train/backend.js');
    const { graphFromLayersModel } = await import('../../src/train/layers.js');
    const m = tf.sequential();
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const bias = (seed: number) => tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed });
    m.add(
      tf.layers.conv2d({
        inputShape: [10, 10, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(1),
        biasInitializer: bias(2),
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(
      tf.layers.conv2d({
        filters: 5,
        kernelSize: 2,
        activation: 'relu',
        kernelInitializer: init(3),
        biasInitializer: bias(4),
      }),
    );
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3, kernelInitializer: init(5) }));
    const g = graphFromLayersModel(m, 'tiny');
    const s = structuredPrune(initialState(g), { keep: { conv2d: 0.5 }, importance: 'norm' });
    validateGraph(s.graph);
    const convs = g.ops
      .filter((o) => o.op === 'conv2d')
      .map((o) => (o as { weight: string; bias: string }).bias);
    const kept = convs.map((b) =>
      Array.from(floatsOf(s.graph, b)).map((v) => Array.from(floatsOf(g, b)).indexOf(v)),
    );
    expect(kept.map((k) => k.length)).toEqual([2, 3]);
    expect(s.graph.tensors.find((t) => t.name.endsWith('.weight') && t.shape.length === 2)!.shape).toEqual([
      3,
      9 * 3,
    ]);
    // The same net with the removed channels zeroed (weights and bias) computes the same outputs.
    const zeroed = initialState(g).graph;
    g.ops
      .filter((o) => o.op === 'conv2d')
      .forEach((o, l) => {
        const op = o as { weight: string; bias: string };
        const w = floatsOf(zeroed, op.weight);
        const b = floatsOf(zeroed, op.bias);
        const per = w.length / b.length;
        for (let c = 0; c < b.length; c++)
          if (!kept[l].includes(c)) {
            b[c] = 0;
            w.fill(0, c * per, (c + 1) * per);
          }
      });
    const x = randomWeights(100, 9).map(Math.abs);
    const a = run(load(writeMote(zeroed)), x).outputs[0];
    const b = run(load(writeMote(s.graph)), x).outputs[0];
    for (let i = 0; i < 3; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });
});
