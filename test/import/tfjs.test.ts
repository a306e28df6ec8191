import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/data/digits.js';
import { importTfjsLayers, importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import type { Graph, Op } from '../../src/ir/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = path.join(here, '../../models/digits-mlp');
const modelJsonPath = path.join(modelDir, 'model.json');
const modelJsonText = readFileSync(modelJsonPath, 'utf8');
const weightBytes = new Uint8Array(readFileSync(path.join(modelDir, 'weights.bin')));

/** A fresh deep copy of model.json, to edit for the bad-input cases. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON fields
function modelJson(): Record<string, any> {
  return JSON.parse(modelJsonText);
}

/** A plain float forward pass over the IR, written independently of the runtime. */
function forward(graph: Graph, input: Float32Array): Float32Array {
  const env = new Map<string, Float32Array>([[graph.inputs[0].name, input]]);
  const tensor = (name: string): Float32Array => {
    const t = graph.tensors.find((x) => x.name === name);
    if (!t || t.encoding.kind !== 'float32') throw new Error('no float32 tensor ' + name);
    return t.encoding.data;
  };
  for (const op of graph.ops) {
    const x = env.get(op.input)!;
    let y: Float32Array;
    switch (op.op) {
      case 'dense': {
        const w = tensor(op.weight);
        const b = op.bias ? tensor(op.bias) : undefined;
        const n = x.length;
        const m = w.length / n;
        y = new Float32Array(m);
        for (let o = 0; o < m; o++) {
          let s = b ? b[o] : 0;
          for (let i = 0; i < n; i++) s += w[o * n + i] * x[i];
          y[o] = s;
        }
        break;
      }
      case 'relu':
        y = x.map((v) => (v > 0 ? v : 0));
        break;
      case 'softmax': {
        const mx = Math.max(...x);
        const e = x.map((v) => Math.exp(v - mx));
        const sum = e.reduce((a, v) => a + v, 0);
        y = e.map((v) => v / sum);
        break;
      }
      case 'reshape':
        y = x;
        break;
      default:
        throw new Error(`the TF.js importer does not make '${op.op}' ops`);
    }
    env.set(op.output, y);
  }
  return env.get(graph.outputs[0])!;
}

describe('importTfjsLayers: models/digits-mlp', () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await importTfjsLayersFile(modelJsonPath, {
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    });
  });

  it('produces the expected ops, values and tensors', () => {
    const summary = graph.ops.map((op: Op) => `${op.op} ${op.input} -> ${op.output}`);
    expect(summary).toEqual([
      'dense input -> dense_1',
      'relu dense_1 -> dense_1.relu',
      'dense dense_1.relu -> dense_2',
      'relu dense_2 -> dense_2.relu',
      'dense dense_2.relu -> dense_3',
      'softmax dense_3 -> dense_3.softmax',
    ]);
    expect(graph.inputs).toEqual([{ name: 'input', shape: [784] }]);
    expect(graph.outputs).toEqual(['dense_3.softmax']);
    expect(graph.values.map((v) => v.name)).toEqual(graph.ops.map((op) => op.output));
    expect(graph.tensors.map((t) => [t.name, t.shape])).toEqual([
      ['dense_1.weight', [64, 784]],
      ['dense_1.bias', [64]],
      ['dense_2.weight', [32, 64]],
      ['dense_2.bias', [32]],
      ['dense_3.weight', [10, 32]],
      ['dense_3.bias', [10]],
    ]);
    expect(graph.ops[0]).toMatchObject({ weight: 'dense_1.weight', bias: 'dense_1.bias' });
    expect(graph.metadata.name).toBe('digits-mlp');
    expect(graph.metadata.labels).toHaveLength(10);
    for (const t of graph.tensors) {
      expect(t.encoding.kind).toBe('float32');
      if (t.encoding.kind === 'float32')
        expect(t.encoding.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    }
  });

  it('matches tfjs predict within 1e-4 on 200 test digits, accuracy > 0.9', async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    const json = modelJson();
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weightBytes.slice().buffer,
      }),
    );
    const test = loadDigits('test');
    const n = 200;
    const xs = test.features.slice(0, n * 784);
    const expected = tf.tidy(() => (model.predict(tf.tensor2d(xs, [n, 784])) as tf.Tensor).dataSync());
    model.dispose();

    let maxDiff = 0;
    let correct = 0;
    for (let s = 0; s < n; s++) {
      const y = forward(graph, xs.subarray(s * 784, (s + 1) * 784));
      let best = 0;
      for (let c = 0; c < 10; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(y[c] - expected[s * 10 + c]));
        if (y[c] > y[best]) best = c;
      }
      if (best === test.labels[s]) correct++;
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(correct / n).toBeGreaterThan(0.9);
  });
});

describe('importTfjsLayers: bad inputs', () => {
  it('rejects an unsupported layer class, naming the file and layer', () => {
    const json = modelJson();
    json.modelTopology.config.layers.splice(1, 0, {
      class_name: 'Conv2D',
      config: { name: 'conv2d_1', filters: 8 },
    });
    expect(() => importTfjsLayers(json, weightBytes, 'model.json')).toThrow(
      /^mote: model\.json layer 'conv2d_1': unsupported layer class Conv2D \(supported: InputLayer, Dense/,
    );
  });

  it('rejects an unsupported activation, naming the layer and field', () => {
    const json = modelJson();
    json.modelTopology.config.layers[1].config.activation = 'tanh';
    expect(() => importTfjsLayers(json, weightBytes, 'model.json')).toThrow(
      "mote: model.json layer 'dense_2': field 'activation': unsupported activation \"tanh\"",
    );
  });

  it('rejects a weight file that is too short, naming the file and the weight', async () => {
    const short = weightBytes.subarray(0, weightBytes.length - 20);
    expect(() => importTfjsLayers(modelJson(), short, 'model.json')).toThrow(
      /weight file weights\.bin is too short: weight 'dense_3\/bias'/,
    );
    expect(() =>
      importTfjsLayers(modelJson(), short, 'model.json', {
        weightFiles: [{ path: 'shard1.bin', byteLength: short.length }],
      }),
    ).toThrow(/weight file shard1\.bin is too short: weight 'dense_3\/bias'/);
  });

  it('rejects a kernel whose shape does not match the layer', () => {
    const json = modelJson();
    json.modelTopology.config.layers[1].config.units = 31;
    expect(() => importTfjsLayers(json, weightBytes, 'model.json')).toThrow(
      /layer 'dense_2': weight 'dense_2\/kernel' has shape \[64, 32\]/,
    );
  });

  it('rejects quantized weights and non-Sequential models', () => {
    const q = modelJson();
    q.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 };
    expect(() => importTfjsLayers(q, weightBytes, 'model.json')).toThrow(
      /weight 'dense_1\/kernel': field 'quantization'/,
    );
    const f = modelJson();
    f.modelTopology.class_name = 'Model';
    expect(() => importTfjsLayers(f, weightBytes, 'model.json')).toThrow(
      /unsupported model class "Model" \(supported: Sequential\)/,
    );
  });

  it('maps an image input with Flatten, Dropout and a separate Activation', () => {
    const json = modelJson();
    const layers = json.modelTopology.config.layers;
    delete layers[0].config.batch_input_shape;
    layers[0].config.activation = 'linear';
    layers.unshift(
      {
        class_name: 'InputLayer',
        config: { name: 'image', batch_input_shape: [null, 28, 28, 1], dtype: 'float32' },
      },
      { class_name: 'Flatten', config: { name: 'flatten', data_format: 'channels_last' } },
    );
    layers.splice(
      3,
      0,
      { class_name: 'ReLU', config: { name: 'relu_1', max_value: null } },
      { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } },
    );
    const g = importTfjsLayers(json, weightBytes, 'model.json');
    expect(g.inputs).toEqual([{ name: 'input', shape: [28, 28, 1] }]);
    expect(g.ops.slice(0, 4)).toEqual([
      { op: 'reshape', input: 'input', output: 'flatten', shape: [784] },
      { op: 'dense', input: 'flatten', output: 'dense_1', weight: 'dense_1.weight', bias: 'dense_1.bias' },
      { op: 'relu', input: 'dense_1', output: 'relu_1' },
      { op: 'dense', input: 'relu_1', output: 'dense_2', weight: 'dense_2.weight', bias: 'dense_2.bias' },
    ]);
  });

  it('rejects a Dense layer on an unflattened image', () => {
    const json = modelJson();
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, 28, 28];
    expect(() => importTfjsLayers(json, weightBytes, 'model.json')).toThrow(
      /layer 'dense_1': Dense input must be a flat vector, got shape \[28, 28\]/,
    );
  });
});
