// Exit heads on a small conv backbone: placement, agreement of the runtime with TF.js
// on every exit, joint and heads-only training, and calibration against the runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTraining, tf } from '../../src/train/backend.js';
import { forwardAll } from '../../src/train/forward.js';
import { graphFromLayersModel } from '../../src/train/layers.js';
import { attachExits, exitLogitNames, headTensorNames, trainExits } from '../../src/train/exits.js';
import { calibrate, profileExits, simulate, withThresholds } from '../../src/exits/calibrate.js';
import { measureExits } from '../../src/exits/measure.js';
import { digitsSlice } from '../../src/exits/data.js';
import { loadDigits } from '../../src/data/digits.js';
import { decodeWeights } from '../../src/format/decode.js';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { load } from '../../src/runtime/model.js';
import { runExits } from '../../src/runtime/schedule.js';
import type { Graph } from '../../src/ir/types.js';

function tinyConv(): Graph {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      name: 'c1',
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      inputShape: [28, 28, 1],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(tf.layers.maxPooling2d({ name: 'p1', poolSize: 2 }));
  m.add(
    tf.layers.conv2d({
      name: 'c2',
      filters: 8,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  m.add(tf.layers.maxPooling2d({ name: 'p2', poolSize: 2 }));
  m.add(tf.layers.flatten({ name: 'flat' }));
  m.add(
    tf.layers.dense({
      name: 'fc',
      units: 10,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    }),
  );
  return graphFromLayersModel(m, 'tiny');
}

const HEADS = [
  { after: 'c1.relu', pool: 2 },
  { after: 'p1', pool: 2, hidden: 16 },
];

describe('exit heads', () => {
  beforeAll(() => initTraining());
  // The jointly trained model, which the calibration test reuses.
  let trainedJointly: Graph | undefined;

  it('sit right after the value they read, and the runtime computes what TF.js computes at every exit', () => {
    const g = attachExits(tinyConv(), HEADS, 7);
    expect(g.exits!.map((x) => [g.ops[x.start - 1].output, g.ops[x.end - 1].op])).toEqual([
      ['c1.relu', 'softmax'],
      ['p1', 'softmax'],
    ]);
    const back = readMote(writeMote(g));
    expect(back.exits).toEqual(g.exits);
    const m = load(writeMote(g));
    const data = digitsSlice(loadDigits('test'), 0, 4);
    const x = tf.tensor(data.features, [4, 28, 28, 1]);
    const byName = new Map(
      g.tensors.map((t) => [t.name, tf.tensor(Float32Array.from(decodeWeights(t)), t.shape)]),
    );
    const all = forwardAll(g, (n) => byName.get(n)!, x);
    const names = [...g.exits!.map((e) => e.output), g.outputs[0]];
    for (let e = 0; e < names.length; e++) {
      const want = all.get(names[e])!.arraySync() as number[][];
      for (let i = 0; i < 4; i++) {
        const r = runExits(m, data.features.subarray(i * 784, (i + 1) * 784), { mode: 'exit', exit: e });
        expect(r.exit).toBe(e);
        for (let c = 0; c < 10; c++) expect(r.probs[c]).toBeCloseTo(want[i][c], 5);
      }
    }
    tf.dispose([x, ...byName.values(), ...all.values()]);
    expect(exitLogitNames(g)).toEqual(['exit0.fc', 'exit1.fc', 'fc']);
  });

  it('refuse a value that does not exist, naming it', () => {
    expect(() => attachExits(tinyConv(), [{ after: 'nope' }], 1)).toThrow(/head 0: no value named 'nope'/);
  });

  it('train jointly (every exit learns) or alone on a frozen backbone (backbone weights unchanged)', async () => {
    const data = digitsSlice(loadDigits('train'), 0, 1000);
    const held = digitsSlice(loadDigits('train'), 1000, 1300);
    const g0 = attachExits(tinyConv(), HEADS, 7);
    const losses: number[] = [];
    const joint = await trainExits(g0, data, {
      epochs: 2,
      seed: 3,
      learningRate: 1e-2,
      onEpoch: (_e, l) => losses.push(l),
    });
    trainedJointly = joint;
    expect(losses[1]).toBeLessThan(losses[0]);
    const m = load(writeMote(joint));
    const p = profileExits(m, held, 'maxprob');
    // Every exit beats chance by far after two short epochs.
    for (const c of p.correct) expect(c.reduce((a, b) => a + b, 0) / p.count).toBeGreaterThan(0.5);

    const heads = await trainExits(g0, data, { epochs: 1, seed: 3, mode: 'heads' });
    const trained = headTensorNames(g0);
    for (const t of heads.tensors) {
      const before = decodeWeights(g0.tensors.find((u) => u.name === t.name)!);
      const after = decodeWeights(t);
      if (trained.has(t.name)) expect(after).not.toEqual(before);
      else expect(after).toEqual(before);
    }
  }, 120_000);

  it('calibrate thresholds that keep accuracy within the target, and the runtime does what the simulation says', async () => {
    const held = digitsSlice(loadDigits('train'), 1000, 1300);
    const g = trainedJointly!;
    const p = profileExits(load(writeMote(g)), held, 'maxprob');
    const c = calibrate(p, 'maxprob', 0.01);
    expect(c.accuracy).toBeGreaterThanOrEqual(c.fullAccuracy - 0.01 - 1e-9);
    expect(c.meanMacs).toBeLessThan(p.pathMacs[2]);
    const m = load(writeMote(withThresholds(g, c)));
    const r = measureExits(m, held);
    expect(r.exits.accuracy).toBeCloseTo(c.accuracy, 2);
    expect(r.exits.meanMacs / c.meanMacs).toBeCloseTo(1, 1);
    expect(r.full.accuracy).toBeCloseTo(c.fullAccuracy, 6);
    expect(r.full.meanMacs).toBe(c.fullMacs);
    // Entropy thresholds are stored as entropies: the same decisions.
    const ce = calibrate(profileExits(m, held, 'entropy'), 'entropy', 0.01);
    expect(ce.accuracy).toBeGreaterThanOrEqual(ce.fullAccuracy - 0.01 - 1e-9);
    const re = measureExits(load(writeMote(withThresholds(g, ce))), held);
    expect(re.exits.accuracy).toBeCloseTo(ce.accuracy, 2);
  }, 60_000);
});

describe('simulate', () => {
  it('sends each input to its first confident exit and counts the MACs of the heads it tried', () => {
    const p = {
      score: [Float64Array.of(0.9, 0.2, 0.1), Float64Array.of(0.5, 0.95, 0.3), Float64Array.of(1, 1, 1)],
      correct: [Uint8Array.of(1, 0, 0), Uint8Array.of(1, 1, 0), Uint8Array.of(1, 1, 1)],
      pathMacs: [10, 30, 100],
      fullMacs: 80,
      count: 3,
    };
    const r = simulate(p, [0.8, 0.9]);
    expect(r.distribution).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(r.meanMacs).toBeCloseTo((10 + 30 + 100) / 3, 9);
    expect(r.accuracy).toBe(1);
    expect(simulate(p, [0, 0]).accuracy).toBeCloseTo(1 / 3, 9);
  });
});
