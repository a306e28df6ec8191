// The runtime against an independent float64 reference, its memory plan, and its
// handling of bad inputs.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toBinary, toInt8 } from '../../src/compress/quantize.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import { loadDigits } from '../../src/data/digits.js';
import { mlp, randomWeights } from '../helpers/graphs.js';
import { referenceRun } from '../helpers/reference.js';

/** Softmax outputs: float32 storage and summation order allow about 1e-6 of difference. */
const TOLERANCE = 2e-6;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const encoders = {
  float32: undefined,
  int8: (w: Float32Array, s: number[]) => toInt8(w, s, 0),
  codebook: (w: Float32Array) => toCodebook(w, 4),
  sparse: (w: Float32Array) =>
    toSparse(
      w.map((v) => (Math.abs(v) < 0.6 ? 0 : v)),
      { gapBits: 3, clusterBits: 5 },
    ),
  binary: (w: Float32Array, s: number[]) => toBinary(w, s),
};

describe('runtime outputs match a float64 reference', () => {
  for (const [name, encode] of Object.entries(encoders)) {
    for (const plan of ['stream', 'cache']) {
      it(`${name} weights, ${plan} plan`, () => {
        const g = mlp([30, 20, 12, 6], 11, encode);
        const m = load(writeMote(g), { plan });
        for (let s = 0; s < 10; s++) {
          const x = randomWeights(30, 1000 + s);
          const r = run(m, x);
          expect(maxDiff(r.outputs[0], referenceRun(g, x))).toBeLessThan(TOLERANCE);
        }
      });
    }
  }

  it('the example digits model, float and compressed, on real test digits', async () => {
    const g = await importTfjsLayersFile('models/digits-mlp/model.json');
    const c = compressGraph(g, { prune: 0.5, clusterBits: 4, gapBits: 3 });
    const test = loadDigits('test');
    for (const graph of [g, c]) {
      const m = load(writeMote(graph));
      for (let i = 0; i < 40; i++) {
        const x = test.features.subarray(i * 784, (i + 1) * 784);
        expect(maxDiff(run(m, x).outputs[0], referenceRun(graph, x))).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('reshape shares its input buffer and keeps values; normalization is applied', () => {
    const g: Graph = {
      inputs: [{ name: 'img', shape: [2, 3] }],
      outputs: ['y'],
      values: [
        { name: 'flat', shape: [6] },
        { name: 'y', shape: [2] },
      ],
      tensors: [
        {
          name: 'w',
          shape: [2, 6],
          encoding: { kind: 'float32', data: Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
        },
      ],
      ops: [
        { op: 'reshape', input: 'img', output: 'flat', shape: [6] },
        { op: 'dense', input: 'flat', output: 'y', weight: 'w' },
      ],
      metadata: { normalization: { mean: [1], std: [2] } },
    };
    const m = load(writeMote(g));
    expect(Array.from(run(m, [3, 9, 9, 9, 9, 7]).outputs[0])).toEqual([1, 3]);
    expect(m.buffers[0].buffer).toBe(m.buffers[1].buffer);
  });
});

describe('memory', () => {
  it('stream plan keeps RAM near one row, not a float copy of the weights', () => {
    const g = mlp([784, 300, 100, 10], 3, (w) => toCodebook(w, 5));
    const stream = load(writeMote(g));
    const cache = load(writeMote(g), { plan: 'cache' });
    const floatWeights = (784 * 300 + 300 * 100 + 100 * 10) * 4;
    // Activations (input + two ping-pong buffers) plus one 784-float row.
    // One row of 784 floats.
    expect(stream.memory.scratch).toBe(784 * 4);
    expect(stream.memory.peak).toBeLessThan(16 * 1024);
    expect(cache.memory.peak).toBeGreaterThan(floatWeights);
    expect(Array.from(run(stream, randomWeights(784, 1)).outputs[0])).toEqual(
      Array.from(run(cache, randomWeights(784, 1)).outputs[0]),
    );
  });

  it('activation buffers are reused across layers', () => {
    const m = load(writeMote(mlp([64, 64, 64, 64, 64, 64], 1)));
    // 11 values of 64 floats (input included) need only 2 buffers, used in turn.
    expect(m.memory.activations).toBe(2 * 64 * 4);
  });

  it('refuses, before allocating, a model over the memory limit', () => {
    const bytes = writeMote(mlp([784, 300, 10], 3, (w) => toCodebook(w, 5)));
    expect(() => load(bytes, { plan: 'cache', memoryLimit: 100_000 })).toThrow(
      /needs \d+ bytes of RAM .* over the limit of 100000/,
    );
    expect(() => load(bytes, { plan: 'stream', memoryLimit: 100_000 })).not.toThrow();
  });
});

describe('profile', () => {
  it('reports each op with its kernel, MACs, decoded bits and time', () => {
    const g = mlp([40, 20, 5], 2, (w, _s, layer) =>
      layer === 0
        ? toSparse(
            w.map((v) => (Math.abs(v) < 0.5 ? 0 : v)),
            { gapBits: 3, clusterBits: 4 },
          )
        : toCodebook(w, 3, 'fixed'),
    );
    const m = load(writeMote(g));
    const r = run(m, randomWeights(40, 9), { profile: true });
    expect(r.profile!.map((p) => [p.name, p.kernel, p.macs, p.elements])).toEqual([
      ['fc0', 'dense-sparse', 800, 20],
      ['fc0.relu', 'relu', 0, 20],
      ['fc1', 'dense-decode', 100, 5],
      ['fc1.softmax', 'softmax', 0, 5],
    ]);
    // fixed 3-bit indices: 100 weights → 38 bytes of stream.
    expect(r.profile![2].bits).toBe(Math.ceil((100 * 3) / 8) * 8);
    expect(r.profile![0].bits).toBeGreaterThan(0);
    expect(r.profile!.every((p) => p.ms >= 0)).toBe(true);
    expect(run(m, randomWeights(40, 9)).profile).toBeUndefined();
    expect(
      run(load(writeMote(g), { plan: 'cache' }), randomWeights(40, 9), { profile: true }).profile![0],
    ).toMatchObject({ kernel: 'dense', bits: 0 });
  });
});

describe('bad inputs', () => {
  const m = load(writeMote(mlp([4, 3], 1)));
  it('names the input and the expected size', () => {
    expect(() => run(m, [1, 2, 3])).toThrow(/input 'x' needs 4 values, got 3/);
    expect(() => run(m, [1, 2, NaN, 4])).toThrow(/not a number/);
    expect(() => load(writeMote(mlp([4, 3], 1)), { plan: 'fast' })).toThrow(
      /plan must be 'stream' or 'cache'/,
    );
  });
});
