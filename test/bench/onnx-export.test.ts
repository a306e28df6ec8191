// The ONNX export that lets onnxruntime-web run mote's exact weights: for an MLP and a
// conv net (NCHW on the ONNX side, channels-last in mote), onnxruntime-web's outputs
// equal mote's.
import * as path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { Graph, Op, Value } from '../../src/ir/types.js';
import { exportOnnx, toOnnxInput } from '../../src/bench/onnx-export.js';
import { importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { ROOT } from '../../src/build/paths.js';
import { randomWeights } from '../helpers/graphs.js';

ort.env.wasm.numThreads = 1;

async function expectSameOutputs(g: Graph): Promise<void> {
  const session = await ort.InferenceSession.create(exportOnnx(g), { executionProviders: ['wasm'] });
  const m = load(writeMote(g));
  const shape = g.inputs[0].shape;
  const dims = shape.length === 3 ? [1, shape[2], shape[0], shape[1]] : [1, ...shape];
  for (const seed of [1, 2]) {
    const x = randomWeights(
      shape.reduce((a, b) => a * b, 1),
      seed,
    );
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', toOnnxInput(x, shape), dims) };
    const got = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const want = run(m, x).outputs[0];
    expect(got.length).toBe(want.length);
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  }
  await session.release();
}

describe('ONNX export for onnxruntime-web', () => {
  it('LeNet-300-100 (Gemm, Relu, Softmax) computes what mote computes', async () => {
    await expectSameOutputs(await importTfjsLayersFile(path.join(ROOT, 'models/lenet-300-100/model.json')));
  });

  it('a conv net (Conv with pads/strides/dilations/groups, Relu6 clip, pools, Flatten → Gemm with permuted columns)', async () => {
    const g: Graph = {
      inputs: [{ name: 'x', shape: [10, 9, 3] }],
      outputs: [],
      values: [],
      tensors: [],
      ops: [],
      metadata: {},
    };
    let seed = 10;
    const tensor = (name: string, shape: number[]): string => {
      const n = shape.reduce((a, b) => a * b, 1);
      g.tensors.push({ name, shape, encoding: { kind: 'float32', data: randomWeights(n, seed++) } });
      return name;
    };
    const op = (o: Op, shape: number[]): void => {
      g.ops.push(o);
      g.values.push({ name: o.output, shape } as Value);
    };
    const conv = {
      pads: [1, 1, 1, 1] as [number, number, number, number],
      dilations: [1, 1] as [number, number],
    };
    op(
      {
        op: 'conv2d',
        input: 'x',
        output: 'c',
        weight: tensor('cw', [6, 3, 3, 3]),
        bias: tensor('cb', [6]),
        strides: [1, 1],
        ...conv,
        groups: 1,
        clip: [0, 6],
      },
      [10, 9, 6],
    );
    op(
      {
        op: 'conv2d',
        input: 'c',
        output: 'd',
        weight: tensor('dw', [6, 3, 3, 1]),
        strides: [2, 2],
        ...conv,
        groups: 6,
        clip: [0, Infinity],
      },
      [5, 5, 6],
    );
    op(
      {
        op: 'maxpool',
        input: 'd',
        output: 'p',
        kernel: [2, 2],
        strides: [1, 1],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
      },
      [4, 4, 6],
    );
    op(
      {
        op: 'avgpool',
        input: 'p',
        output: 'q',
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        countIncludePad: false,
      },
      [4, 4, 6],
    );
    op({ op: 'reshape', input: 'q', output: 'f', shape: [96] }, [96]);
    op({ op: 'dense', input: 'f', output: 'y', weight: tensor('fw', [5, 96]), bias: tensor('fb', [5]) }, [5]);
    g.outputs = ['y'];
    await expectSameOutputs(g);
  });

  it('refuses ops it has no export for, naming them', () => {
    const g: Graph = {
      inputs: [{ name: 'x', shape: [4] }],
      outputs: ['y'],
      values: [{ name: 'y', shape: [4] }],
      tensors: [],
      ops: [{ op: 'tanh', input: 'x', output: 'y' }],
      metadata: {},
    };
    expect(() => exportOnnx(g)).toThrow(/op 'tanh' \(y\) is not exported/);
  });
});
