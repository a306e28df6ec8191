// Fuzz corpus graphs that exercise the conv, pool, activation and tensor ops (and so
// every attribute layout of the GRPH section), with compressed conv weights.
import type { Encoding, Graph, Op, Tensor, Value } from '../../src/ir/types.js';
import { mulberry32 } from '../../src/data/prng.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toInt8 } from '../../src/compress/quantize.js';

type Encode = (w: Float32Array, shape: number[]) => Encoding;
const f32: Encode = (w) => ({ kind: 'float32', data: w });

/**
 * x [6,6,2] → conv 3x3 pad 1 (+relu6) → maxpool 2x2/2 → depthwise 3x3 → avgpool → add,
 * prelu, concat, pad, transpose, reduce-mean, activations → dense → log-softmax; and a
 * second input z [3,3,4] joined by a broadcast mul.
 */
export function convModel(seed: number, conv: Encode, depthwise: Encode): Graph {
  const rand = mulberry32(seed);
  const tensors: Tensor[] = [];
  const values: Value[] = [];
  const ops: Op[] = [];
  const tensor = (name: string, shape: number[], enc: Encode = f32): string => {
    const w = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
    tensors.push({ name, shape, encoding: enc(w, shape) });
    return name;
  };
  const op = (o: Op, shape: number[]) => {
    ops.push(o);
    values.push({ name: o.output, shape });
  };
  const pool = { strides: [2, 2] as [number, number], dilations: [1, 1] as [number, number] };
  op(
    {
      op: 'conv2d',
      input: 'x',
      output: 'c1',
      weight: tensor('c1.w', [4, 3, 3, 2], conv),
      bias: tensor('c1.b', [4]),
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 1,
      clip: [0, 6],
    },
    [6, 6, 4],
  );
  op({ op: 'maxpool', input: 'c1', output: 'p1', kernel: [2, 2], pads: [0, 0, 0, 0], ...pool }, [3, 3, 4]);
  op(
    {
      op: 'conv2d',
      input: 'p1',
      output: 'dw',
      weight: tensor('dw.w', [4, 3, 3, 1], depthwise),
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 4,
    },
    [3, 3, 4],
  );
  op(
    {
      op: 'avgpool',
      input: 'dw',
      output: 'p2',
      kernel: [3, 3],
      pads: [1, 1, 1, 1],
      countIncludePad: true,
      ...pool,
    },
    [2, 2, 4],
  );
  op({ op: 'mul', input: 'dw', output: 'm', other: 'z' }, [3, 3, 4]);
  op({ op: 'add', input: 'm', output: 'a', constant: tensor('a.c', [1, 4]) }, [3, 3, 4]);
  op({ op: 'prelu', input: 'a', output: 'pr', slope: tensor('pr.s', [4]) }, [3, 3, 4]);
  op({ op: 'elu', input: 'p2', output: 'e', alpha: 1 }, [2, 2, 4]);
  op({ op: 'pad', input: 'e', output: 'pd', begins: [1, 0, 0], value: 0 }, [3, 3, 4]);
  op({ op: 'concat', input: 'pr', others: ['pd'], output: 'cat', axis: 2 }, [3, 3, 8]);
  op({ op: 'transpose', input: 'cat', output: 't', perm: [2, 0, 1] }, [8, 3, 3]);
  op({ op: 'reducemean', input: 't', output: 'r', axes: [2] }, [8, 3]);
  op({ op: 'sigmoid', input: 'r', output: 's' }, [8, 3]);
  op({ op: 'tanh', input: 's', output: 'th' }, [8, 3]);
  op({ op: 'leakyrelu', input: 'th', output: 'lr', alpha: 0.2 }, [8, 3]);
  op({ op: 'selu', input: 'lr', output: 'se', alpha: 1.67, gamma: 1.05 }, [8, 3]);
  op({ op: 'softplus', input: 'se', output: 'sp' }, [8, 3]);
  op({ op: 'clip', input: 'sp', output: 'cl', min: -1, max: 1 }, [8, 3]);
  op({ op: 'reshape', input: 'cl', output: 'f', shape: [24] }, [24]);
  op({ op: 'transpose', input: 'cl', output: 'clt', perm: [1, 0] }, [3, 8]);
  op({ op: 'matmul', input: 'clt', other: 'cl', output: 'gram' }, [3, 3]);
  op({ op: 'dense', input: 'f', output: 'd', weight: tensor('d.w', [3, 24], conv) }, [3]);
  op({ op: 'logsoftmax', input: 'd', output: 'y' }, [3]);
  op({ op: 'globalavgpool', input: 'p1', output: 'g' }, [4]);
  op({ op: 'softmax', input: 'g', output: 'gs' }, [4]);
  return {
    inputs: [
      { name: 'x', shape: [6, 6, 2] },
      { name: 'z', shape: [3, 1, 4] },
    ],
    outputs: ['y', 'gs', 'gram'],
    values,
    tensors,
    ops,
    metadata: { name: 'fuzz-conv' },
  };
}

/** The conv corpus entries, by name. */
export function convCorpusGraphs(seed: number): [string, Graph][] {
  return [
    [
      'conv-codebook-int8',
      convModel(
        seed + 20,
        (w) => toCodebook(w, 3, 'huffman'),
        (w, s) => toInt8(w, s, 0),
      ),
    ],
    [
      'conv-sparse-f32',
      convModel(
        seed + 21,
        (w) =>
          toSparse(
            w.map((v) => (Math.abs(v) < 0.5 ? 0 : v)),
            { gapBits: 2, clusterBits: 2, coding: 'huffman' },
          ),
        f32,
      ),
    ],
  ];
}
