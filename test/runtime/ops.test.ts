// The conv, pool, activation and tensor ops: every kernel against a float64 reference,
// with compressed conv weights in every plan, memory plans, round trips and bad graphs.
import { describe, expect, it } from 'vitest';
import type { Encoding, Graph, Tensor } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { installForm } from '../../src/format/install.js';
import { inspect } from '../../src/format/inspect.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toBinary, toInt8 } from '../../src/compress/quantize.js';
import { load, run } from '../../src/runtime/model.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { GraphBuilder, randomWeights } from '../helpers/graphs.js';
import { referenceRun } from './ops-reference.js';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (Math.abs(actual[i] - e) > tol * (1 + Math.abs(e)))
      throw new Error(`value ${i}: got ${actual[i]}, expected ${e} (tolerance ${tol})`);
  }
}

function inputsOf(g: Graph, seed: number): Float32Array[] {
  return g.inputs.map((v, i) =>
    randomWeights(
      v.shape.reduce((a, b) => a * b, 1),
      seed + i,
    ).map((x) => x * 2),
  );
}

/** Runs the graph in every plan (and its installed form) and checks it against the reference. */
function checkAllPlans(g: Graph, tol = 1e-4): void {
  const bytes = writeMote(g);
  const xs = inputsOf(g, 77);
  const expected = referenceRun(g, xs);
  for (const [plan, file] of [
    ['stream', bytes],
    ['cache', bytes],
    ['install', installForm(bytes)],
  ] as const) {
    const r = run(load(file, { plan }), xs);
    r.outputs.forEach((o, i) => expectClose(o, expected[i], tol));
  }
}

interface ConvCase {
  name: string;
  h: number;
  w: number;
  c: number;
  oc: number;
  k: [number, number];
  strides?: [number, number];
  pads?: [number, number, number, number];
  dilations?: [number, number];
  groups?: number;
  bias?: boolean;
  clip?: [number, number];
}

const CONVS: ConvCase[] = [
  { name: 'plain 3x3', h: 6, w: 5, c: 3, oc: 4, k: [3, 3], bias: true },
  {
    name: 'strided, padded',
    h: 7,
    w: 8,
    c: 2,
    oc: 3,
    k: [3, 2],
    strides: [2, 3],
    pads: [1, 0, 2, 1],
    bias: true,
  },
  { name: 'dilated, no bias', h: 9, w: 9, c: 2, oc: 2, k: [3, 3], dilations: [2, 3], pads: [2, 2, 2, 2] },
  { name: 'grouped', h: 5, w: 5, c: 4, oc: 6, k: [2, 2], groups: 2, bias: true },
  { name: 'depthwise', h: 6, w: 6, c: 3, oc: 3, k: [3, 3], groups: 3, pads: [1, 1, 1, 1], bias: true },
  {
    name: 'depthwise x2 multiplier, relu6',
    h: 5,
    w: 4,
    c: 2,
    oc: 4,
    k: [3, 3],
    groups: 2,
    pads: [1, 1, 1, 1],
    clip: [0, 6],
  },
  { name: '1x1 pointwise, relu', h: 4, w: 4, c: 5, oc: 3, k: [1, 1], bias: true, clip: [0, Infinity] },
];

function convGraph(c: ConvCase, encode?: (w: Float32Array, shape: number[]) => Encoding): Graph {
  const strides = c.strides ?? [1, 1];
  const pads = c.pads ?? [0, 0, 0, 0];
  const dil = c.dilations ?? [1, 1];
  const groups = c.groups ?? 1;
  const oh = Math.floor((c.h + pads[0] + pads[2] - ((c.k[0] - 1) * dil[0] + 1)) / strides[0]) + 1;
  const ow = Math.floor((c.w + pads[1] + pads[3] - ((c.k[1] - 1) * dil[1] + 1)) / strides[1]) + 1;
  const b = new GraphBuilder('ops').input('x', [c.h, c.w, c.c]);
  const weight = b.tensor('conv.w', [c.oc, c.k[0], c.k[1], c.c / groups], encode, encode ? 0.4 : 0);
  const bias = c.bias ? b.tensor('conv.b', [c.oc]) : undefined;
  b.op(
    {
      op: 'conv2d',
      input: 'x',
      output: 'y',
      weight,
      bias,
      strides,
      pads,
      dilations: dil,
      groups,
      clip: c.clip,
    },
    [oh, ow, c.oc],
  );
  if (bias === undefined) delete (b.g.ops[0] as { bias?: string }).bias;
  if (!c.clip) delete (b.g.ops[0] as { clip?: unknown }).clip;
  return b.out('y');
}

const ENCODINGS: [string, (w: Float32Array, shape: number[]) => Encoding][] = [
  ['codebook', (w) => toCodebook(w, 4, 'huffman')],
  ['int8 per channel', (w, s) => toInt8(w, s, 0)],
  ['sparse', (w) => toSparse(w, { gapBits: 3, clusterBits: 3 })],
  ['binary', (w, s) => toBinary(w, s)],
];

describe('conv2d', () => {
  for (const c of CONVS) {
    it(`${c.name}: float32 weights match the reference in every plan`, () => checkAllPlans(convGraph(c)));
  }
  for (const [name, encode] of ENCODINGS) {
    it(`${name} weights match the reference in every plan (all conv shapes)`, () => {
      for (const c of CONVS) checkAllPlans(convGraph(c, encode));
    });
  }

  it('streams one output channel of compressed weights at a time (no float copy of the tensor)', () => {
    const c = CONVS[1];
    const bytes = writeMote(convGraph(c, (w) => toCodebook(w, 4, 'huffman')));
    const stream = load(bytes, { plan: 'stream' });
    const cache = load(bytes, { plan: 'cache' });
    const row = c.k[0] * c.k[1] * c.c;
    expect(stream.memory.scratch).toBe(row * 4);
    // The float32 bias is viewed in the file; only the cache plan holds decoded weights.
    expect(stream.memory.resident).toBe(0);
    expect(cache.memory.resident).toBe(c.oc * row * 4);
    const prof = run(stream, inputsOf(convGraph(c), 1), { profile: true }).profile!;
    expect(prof[0].kernel).toBe('conv2d-decode');
    expect(prof[0].bits).toBeGreaterThan(0);
    expect(run(cache, new Float32Array(c.h * c.w * c.c), { profile: true }).profile![0].kernel).toBe(
      'conv2d',
    );
  });

  it('counts MACs per op, names depthwise kernels, and inspect shows them', () => {
    const c = CONVS[5];
    const bytes = writeMote(convGraph(c));
    const m = load(bytes);
    const oh = 5;
    const ow = 4;
    expect(m.macs).toBe(oh * ow * c.oc * 9 * 1);
    expect(run(m, new Float32Array(40), { profile: true }).profile![0].kernel).toBe('depthwise');
    const r = inspect(bytes);
    expect(r.ops).toEqual(['conv2d']);
    expect(r.macs).toBe(m.macs);
    expect(r.layers).toEqual([
      { op: 'conv2d', output: 'y', shape: [5, 4, 4], macs: m.macs, detail: '3x3 pad 1,1,1,1 g=2 clip 0..6' },
    ]);
  });
});

/** Every other op, chained: pools, activations, broadcasts, concat, pad, transpose, reduce. */
function opsGraph(): Graph {
  const b = new GraphBuilder('ops').input('x', [5, 6, 4]).input('z', [3, 3, 4]);
  b.op(
    {
      op: 'maxpool',
      input: 'x',
      output: 'mp',
      kernel: [2, 3],
      strides: [1, 2],
      pads: [1, 1, 0, 1],
      dilations: [2, 1],
    },
    [4, 3, 4],
  );
  b.op(
    {
      op: 'avgpool',
      input: 'x',
      output: 'ap',
      kernel: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
    },
    [3, 3, 4],
  );
  b.op(
    {
      op: 'avgpool',
      input: 'x',
      output: 'api',
      kernel: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      countIncludePad: true,
    },
    [3, 3, 4],
  );
  b.op({ op: 'leakyrelu', input: 'mp', output: 'lr', alpha: 0.1 }, [4, 3, 4]);
  b.op({ op: 'elu', input: 'lr', output: 'elu', alpha: 0.7 }, [4, 3, 4]);
  b.op({ op: 'selu', input: 'elu', output: 'selu', alpha: 1.6732632, gamma: 1.0507009 }, [4, 3, 4]);
  b.op({ op: 'sigmoid', input: 'ap', output: 'sig' }, [3, 3, 4]);
  b.op({ op: 'tanh', input: 'api', output: 'tanh' }, [3, 3, 4]);
  b.op({ op: 'softplus', input: 'z', output: 'sp' }, [3, 3, 4]);
  b.op({ op: 'neg', input: 'sp', output: 'ng' }, [3, 3, 4]);
  b.op({ op: 'clip', input: 'z', output: 'clip', min: -0.5, max: 0.25 }, [3, 3, 4]);
  b.op({ op: 'prelu', input: 'z', output: 'prelu', slope: b.tensor('slope', [4]) }, [3, 3, 4]);
  b.op({ op: 'add', input: 'sig', output: 'add', other: 'tanh' }, [3, 3, 4]);
  b.op({ op: 'add', input: 'add', output: 'addc', constant: b.tensor('bias', [3, 1, 4]) }, [3, 3, 4]);
  b.op({ op: 'mul', input: 'sp', output: 'mul', constant: b.tensor('scale', [1]) }, [3, 3, 4]);
  b.op({ op: 'mul', input: 'clip', output: 'mulb', other: 'prelu' }, [3, 3, 4]);
  b.op({ op: 'concat', input: 'addc', others: ['mul', 'mulb'], output: 'cat', axis: 2 }, [3, 3, 12]);
  b.op({ op: 'concat', input: 'cat', others: ['cat'], output: 'cat0', axis: 0 }, [6, 3, 12]);
  b.op({ op: 'pad', input: 'cat0', output: 'pad', begins: [1, 0, 2], value: -1 }, [8, 4, 14]);
  b.op({ op: 'transpose', input: 'pad', output: 'tr', perm: [2, 0, 1] }, [14, 8, 4]);
  b.op({ op: 'reducemean', input: 'tr', output: 'rm', axes: [1] }, [14, 4]);
  b.op({ op: 'reducemean', input: 'selu', output: 'rm2', axes: [0, 1] }, [1, 1, 4]);
  b.op({ op: 'globalavgpool', input: 'selu', output: 'gap' }, [4]);
  b.op({ op: 'reshape', input: 'rm', output: 'flat', shape: [56] }, [56]);
  b.op({ op: 'logsoftmax', input: 'flat', output: 'lsm' }, [56]);
  b.op({ op: 'softmax', input: 'tr', output: 'sm' }, [14, 8, 4]);
  b.op({ op: 'relu', input: 'cat', output: 'relu' }, [3, 3, 12]);
  b.op({ op: 'pad', input: 'mul', output: 'refl', begins: [2, 1, 0], value: 0, mode: 'reflect' }, [6, 5, 5]);
  b.op({ op: 'pad', input: 'mul', output: 'edge', begins: [0, 3, 1], value: 0, mode: 'edge' }, [4, 8, 7]);
  b.op({ op: 'reshape', input: 'tr', output: 'tr2', shape: [56, 8] }, [56, 8]);
  b.op({ op: 'reshape', input: 'cat0', output: 'cat2', shape: [8, 27] }, [8, 27]);
  b.op({ op: 'matmul', input: 'tr2', other: 'cat2', output: 'mm' }, [56, 27]);
  return b.out('lsm', 'gap', 'rm2', 'sm', 'relu', 'mm', 'refl', 'edge');
}

describe('pool, activation and tensor ops', () => {
  it('match the float64 reference, in every plan', () => checkAllPlans(opsGraph(), 1e-5));

  it('round-trip through the file byte for byte', () => {
    const bytes = writeMote(opsGraph());
    const again = writeMote(readMote(bytes));
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    const conv = writeMote(convGraph(CONVS[5], (w) => toCodebook(w, 3, 'fixed')));
    expect(Buffer.from(writeMote(readMote(conv))).equals(Buffer.from(conv))).toBe(true);
  });

  it('reuse activation buffers across multi-input ops without clobbering live values', () => {
    // concat reads 'cat' twice; add reads two values: planning must keep both alive.
    const m = load(writeMote(opsGraph()));
    const total = m.graph.values.reduce((a, v) => a + v.size * 4, 0);
    expect(m.memory.activations).toBeLessThan(total);
  });
});

describe('bad graphs', () => {
  const bad = (edit: (g: Graph) => void, message: RegExp) => {
    const g = convGraph(CONVS[1]);
    edit(g);
    expect(() => writeMote(g)).toThrow(message);
  };
  it('are refused at write time with the op named', () => {
    bad((g) => (g.values[0].shape = [3, 3, 3]), /op 0 \(conv2d.*output is \[3,3,3\], the window gives/);
    bad((g) => ((g.tensors[0] as Tensor).shape = [3, 3, 2, 1]), /op 0 \(conv2d.*weight|values for shape/);
    bad((g) => ((g.ops[0] as { groups: number }).groups = 3), /groups 3 must divide/);
    bad(
      (g) => ((g.ops[0] as { pads: number[] }).pads = [3, 0, 0, 0]),
      /pads must be smaller than the kernel/,
    );
    const t = new GraphBuilder('ops').input('x', [2, 3]);
    t.op({ op: 'transpose', input: 'x', output: 'y', perm: [0, 0] }, [2, 2]);
    expect(() => writeMote(t.out('y'))).toThrow(/not a permutation/);
    const a = new GraphBuilder('ops').input('x', [2, 3]).input('z', [2, 2]);
    a.op({ op: 'add', input: 'x', output: 'y', other: 'z' }, [2, 3]);
    expect(() => writeMote(a.out('y'))).toThrow(/do not broadcast/);
  });

  it('are refused at load time when the file lies about an attribute', () => {
    const bytes = writeMote(convGraph(CONVS[0]));
    // The stride attribute (u16 1) sits after the op's weight and bias tensor indices.
    const grph = Buffer.from(bytes).indexOf(Buffer.from([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]));
    expect(grph).toBeGreaterThan(0);
    const b = bytes.slice();
    b[grph] = 2; // stride 2: the declared output no longer fits
    // Fix the CRC so the graph check, not the checksum, is what refuses it.
    new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
    expect(() => load(b)).toThrow(/^mote: section GRPH at byte \d+: op 0 \(conv2d\): output is/);
  });
});
