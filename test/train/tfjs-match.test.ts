// The compressed model's outputs in mote's runtime equal TF.js's outputs for the same
// compressed weights (decoded back out of the .mote), for a dense and a conv net.
import { describe, expect, it, beforeAll } from 'vitest';
import { initTraining, tf } from '../../src/train/backend.js';
import { graphFromLayersModel, layersModelFromGraph } from '../../src/train/layers.js';
import { initialState } from '../../src/compress/state.js';
import { pruneOnce } from '../../src/compress/iterative-prune.js';
import { clusterStage } from '../../src/compress/cluster-stage.js';
import { quantizeStage } from '../../src/compress/quantize-stage.js';
import { encodeState } from '../../src/compress/encode.js';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { load, run } from '../../src/runtime/model.js';
import type { Graph } from '../../src/ir/types.js';
import { mlp, randomWeights } from '../helpers/graphs.js';

beforeAll(() => initTraining());

function expectSameOutputs(g: Graph, inputs: Float32Array[], shape: number[]): void {
  const model = load(writeMote(g));
  const reference = layersModelFromGraph(readMote(writeMote(g)));
  for (const x of inputs) {
    const ours = run(model, x).outputs[0];
    const theirs = tf.tidy(() => (reference.predict(tf.tensor(x, [1, ...shape])) as tf.Tensor).dataSync());
    expect(ours.length).toBe(theirs.length);
    for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(theirs[i], 5);
  }
}

function tinyConvNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [10, 10, 1],
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 2 }),
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(
    tf.layers.conv2d({
      filters: 5,
      kernelSize: 2,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    }),
  );
  m.add(tf.layers.flatten());
  m.add(
    tf.layers.dense({
      units: 6,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
    }),
  );
  return m;
}

describe('runtime outputs match TF.js outputs of the same compressed weights', () => {
  const inputs = [1, 2, 3].map((s) => randomWeights(100, s).map(Math.abs));

  it('dense: pruned + clustered (sparse codebook), int8 biases', async () => {
    const g = mlp([100, 24, 10], 4);
    let s = pruneOnce(
      initialState(g),
      new Map([
        ['fc0.weight', 0.8],
        ['fc1.weight', 0.5],
      ]),
    );
    s = await clusterStage(s, undefined, { bits: { fc0: 4, fc1: 3 }, epochs: 0 });
    const enc = encodeState(s, { biases: 'int8' });
    expect(enc.tensors.find((t) => t.name === 'fc0.weight')!.encoding.kind).toBe('sparse');
    expectSameOutputs(enc, inputs, [100]);
  });

  it('dense: int4 per tensor, int8 per channel, binary', () => {
    const g = mlp([100, 24, 16, 10], 6);
    const s = quantizeStage(initialState(g), {
      mode: { fc0: 'int4', fc1: 'binary', fc2: 'int8' },
      perChannel: false,
    });
    const enc = encodeState(s);
    expect(enc.tensors.find((t) => t.name === 'fc0.weight')!.encoding.kind).toBe('codebook');
    expectSameOutputs(enc, inputs, [100]);
    // The stage's float values are what the runtime computes with.
    const runtime = run(load(writeMote(enc)), inputs[0]).outputs[0];
    const fromState = run(load(writeMote(s.graph)), inputs[0]).outputs[0];
    for (let i = 0; i < runtime.length; i++) expect(runtime[i]).toBeCloseTo(fromState[i], 5);
  });

  it('conv: TF.js model → IR matches, and stays matched after pruning + 8-bit clusters', async () => {
    const m = tinyConvNet();
    const g = graphFromLayersModel(m, 'tiny-conv');
    expect(g.ops.map((o) => o.op)).toEqual([
      'conv2d',
      'relu',
      'maxpool',
      'conv2d',
      'relu',
      'reshape',
      'dense',
      'softmax',
    ]);
    const x = inputs[0];
    const direct = tf.tidy(() => (m.predict(tf.tensor(x, [1, 10, 10, 1])) as tf.Tensor).dataSync());
    const ours = run(load(writeMote(g)), x).outputs[0];
    for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(direct[i], 5);
    const convWeights = g.tensors.filter((t) => t.shape.length === 4).map((t) => t.name);
    let s = pruneOnce(initialState(g), new Map(convWeights.map((n) => [n, 0.5])));
    s = await clusterStage(s, undefined, { bits: { conv2d: 8, dense: 5 }, epochs: 0 });
    const enc = encodeState(s, { biases: 'int8' });
    expect(enc.tensors.find((t) => t.name === convWeights[1])!.encoding.kind).toBe('sparse');
    expectSameOutputs(enc, inputs, [10, 10, 1]);
  });
});
