// Fuzz corpus graphs with the optional sections: early exits (EXIT: heads, criteria,
// thresholds) and int8 activations (QUAN, in both requantisation modes), so mutators
// reach those readers and the differential check reaches the exit scheduler and the
// int8 kernels of both engines.
import type { Graph } from '../../src/ir/types.js';
import { toCodebook } from '../../src/compress/sparse.js';
import { quantizeActivations } from '../../src/compress/int8-activations.js';
import { mulberry32 } from '../../src/data/prng.js';
import { craftedExits } from '../exits/crafted.js';

/** Calibration samples for a graph's single input. */
function calibration(shape: number[], seed: number) {
  const count = 16;
  const n = shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(seed);
  return {
    features: Float32Array.from({ length: count * n }, () => rand() * 2 - 1),
    labels: new Uint8Array(count),
    count,
    featureShape: shape,
    classes: 1,
  };
}

/** x [6,6,2] → conv 3x3 (relu) → max pool 2x2 → avg pool 3x3 pad 1 → reshape → dense → softmax. */
function convPool(seed: number): Graph {
  const rand = mulberry32(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  return {
    inputs: [{ name: 'x', shape: [6, 6, 2] }],
    outputs: ['y'],
    values: [
      { name: 'c', shape: [6, 6, 4] },
      { name: 'm', shape: [3, 3, 4] },
      { name: 'a', shape: [3, 3, 4] },
      { name: 'f', shape: [36] },
      { name: 'd', shape: [3] },
      { name: 'y', shape: [3] },
    ],
    tensors: [
      { name: 'c.w', shape: [4, 3, 3, 2], encoding: { kind: 'float32', data: f(72) } },
      { name: 'c.b', shape: [4], encoding: { kind: 'float32', data: f(4) } },
      { name: 'd.w', shape: [3, 36], encoding: { kind: 'float32', data: f(108) } },
    ],
    ops: [
      {
        op: 'conv2d',
        input: 'x',
        output: 'c',
        weight: 'c.w',
        bias: 'c.b',
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        groups: 1,
        clip: [0, Infinity],
      },
      {
        op: 'maxpool',
        input: 'c',
        output: 'm',
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
      },
      {
        op: 'avgpool',
        input: 'm',
        output: 'a',
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
      },
      { op: 'reshape', input: 'a', output: 'f', shape: [36] },
      { op: 'dense', input: 'f', output: 'd', weight: 'd.w' },
      { op: 'softmax', input: 'd', output: 'y' },
    ],
    metadata: { name: 'fuzz-int8-conv' },
  };
}

/** The exit and int8 corpus entries; `mlp` is the corpus's float MLP (x [4,4] → … → softmax). */
export function extraCorpusGraphs(seed: number, mlp: Graph): [string, Graph][] {
  const exits = craftedExits([0.9, 0.6]);
  // One head's weights codebook-coded, the other exit judged by entropy.
  const head0 = exits.tensors.find((t) => t.name === 'head0')!;
  if (head0.encoding.kind === 'float32') head0.encoding = toCodebook(head0.encoding.data, 2, 'huffman');
  exits.exits![1] = { ...exits.exits![1], criterion: 'entropy', threshold: 0.7 };
  const q = (g: Graph, requantize: 'fixed-point' | 'float32', s: number): Graph =>
    quantizeActivations(g, { calibration: calibration(g.inputs[0].shape, s), samples: 16, requantize });
  return [
    ['exits', exits],
    ['int8-mlp-fixed', q(mlp, 'fixed-point', seed + 30)],
    ['int8-conv-float', q(convPool(seed + 31), 'float32', seed + 32)],
    ['int8-conv-fixed', q(convPool(seed + 33), 'fixed-point', seed + 34)],
  ];
}
