// Normalisation statistics travel in the model: the runtime, fed raw sensor values,
// computes what TF.js computes on the values normalised on the host. Also: the
// architectures `mote train` builds run the same in TF.js and in the runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initTraining, tf } from '../../src/train/backend.js';
import { forward } from '../../src/train/forward.js';
import { buildClassifier } from '../../src/train/arch.js';
import { parseArch } from '../../src/train/arch-spec.js';
import { parseCsvDataset } from '../../src/data/user.js';
import { computeNormalization, normalizeDataset } from '../../src/data/normalize.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import '../../src/runtime/op/all.js';
import type { Graph } from '../../src/ir/types.js';
import type { Dataset } from '../../src/data/digits.js';

beforeAll(() => initTraining());

const csv = readFileSync(path.join(import.meta.dirname, '../../examples/wrist-activity/test.csv'), 'utf8');
// Real wrist accelerometer windows (mg): raw values in the hundreds and thousands.
const data = parseCsvDataset(csv, 'test.csv', {
  label: 'activity',
  window: 26,
  stride: 26,
  group: 'recording',
});

function hostOutputs(g: Graph, d: Dataset): Float32Array {
  const params = new Map(
    g.tensors.map((t) => [t.name, tf.tensor((t.encoding as { data: Float32Array }).data, t.shape)]),
  );
  return tf.tidy(() => {
    const x = tf.tensor(d.features, [d.count, ...g.inputs[0].shape]);
    return forward(g, (n) => params.get(n)!, x).dataSync() as Float32Array;
  });
}

describe('normalisation in the model', () => {
  it('per-channel statistics of windows [T, C]', () => {
    const norm = computeNormalization(data);
    expect(norm.mean).toHaveLength(3);
    const z = normalizeDataset(data, norm);
    for (let c = 0; c < 3; c++) {
      let s = 0;
      let q = 0;
      for (let i = c; i < z.features.length; i += 3) {
        s += z.features[i];
        q += z.features[i] ** 2;
      }
      const n = z.features.length / 3;
      expect(s / n).toBeCloseTo(0, 4);
      expect(q / n).toBeCloseTo(1, 3);
    }
  });

  it.each(['mlp', 'conv1d', 'dense:8,relu', 'conv1d:4x3,relu,avgpool:2,dense:6,relu'])(
    '%s: the runtime on raw inputs equals TF.js on normalised inputs',
    (arch) => {
      const norm = computeNormalization(data);
      const g = buildClassifier(arch, data.featureShape, data.classes, 5);
      const withNorm: Graph = { ...g, metadata: { ...g.metadata, normalization: norm } };
      const m = load(writeMote(withNorm));
      const expected = hostOutputs(g, normalizeDataset(data, norm));
      const per = data.features.length / data.count;
      let worst = 0;
      for (let i = 0; i < data.count; i++) {
        const out = run(m, data.features.subarray(i * per, (i + 1) * per)).outputs[0];
        for (let k = 0; k < data.classes; k++)
          worst = Math.max(worst, Math.abs(out[k] - expected[i * data.classes + k]));
      }
      expect(worst).toBeLessThan(1e-5);
      // Without the statistics the same raw inputs give other outputs: the test can fail.
      const plain = load(writeMote(g));
      const raw = run(plain, data.features.subarray(0, per)).outputs[0];
      expect(Math.max(...raw.map((v, k) => Math.abs(v - expected[k])))).toBeGreaterThan(1e-3);
    },
  );

  it('conv2d on images [H, W] and errors for bad specs', () => {
    const g = buildClassifier('conv2d', [12, 12], 4, 1);
    expect(g.inputs[0].shape).toEqual([12, 12, 1]);
    expect(() => parseArch('dense:8,gelu')).toThrow(/'gelu' is not a layer/);
    expect(() => parseArch('conv1d:8')).toThrow(/needs filters x kernel/);
    expect(() => buildClassifier('conv1d:4x30', [26, 3], 3, 1)).toThrow(
      /kernel of 30 over an input of \[26,1,3\]/,
    );
    expect(() => buildClassifier('conv2d', [10], 3, 1)).toThrow(/conv2d needs images/);
  });
});
