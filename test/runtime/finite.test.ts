// Finite or refused (src/runtime/finite.ts): compile refuses non-finite weights, biases,
// scales and statistics naming the tensor; load refuses them in a .mote; a run that
// overflows is reported, naming the first layer whose output went non-finite.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import { load, run } from '../../src/runtime/model.js';
import '../../src/runtime/op/all.js';
import { runExits } from '../../src/runtime/schedule.js';
import { readContainer } from '../../src/runtime/container.js';
import { readTensors } from '../../src/runtime/tensors.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { MAX_STORED } from '../../src/runtime/finite.js';
import { writeMote } from '../../src/format/writer.js';
import { compile } from '../../src/compile.js';
import { importOnnx } from '../../src/import/onnx/import.js';
import { ONNX_PROTO_JSON } from '../../src/import/onnx/onnx-proto.js';
import { normalizedMlp } from '../../src/reference/onnx-models.js';
import { main } from '../../src/cli/main.js';
import type { Encoding, Graph } from '../../src/ir/types.js';
import { mlp } from '../helpers/graphs.js';

/** A 4-3-2 MLP whose first weight matrix is stored as `encode` says. */
function model(encode?: (w: Float32Array) => Encoding): Uint8Array {
  return writeMote(
    mlp([4, 3, 2], 1, encode ? (w, s, l) => (l === 0 ? encode(w) : { kind: 'float32', data: w }) : undefined),
  );
}

/** `bytes` with the float32 at `at` set to `v` and the CRC fixed, so only the value is wrong. */
function poke(bytes: Uint8Array, at: number, v: number): Uint8Array {
  const b = new Uint8Array(bytes);
  new DataView(b.buffer).setFloat32(at, v, true);
  new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  return b;
}

/** Byte offset of a tensor's first stored float (docs/FORMAT.md): its values, codebook or scales. */
function floatsAt(bytes: Uint8Array, tensor: string): number {
  const t = readTensors(bytes, readContainer(bytes, null)).find((x) => x.name === tensor)!;
  // float32 and binary start with them; a codebook after its u16 size; int8 after axis and channel count.
  return t.start + [0, 4, 2, 0, 0][t.kind];
}

const codebook = (w: Float32Array): Encoding => ({
  kind: 'codebook',
  codebook: Float32Array.of(-0.5, 0, 0.5),
  indices: Uint8Array.from(w, (x) => (x < -0.3 ? 0 : x > 0.3 ? 2 : 1)),
  coding: 'huffman',
});
const int8 = (w: Float32Array): Encoding => ({
  kind: 'int8',
  axis: 0,
  scale: Float32Array.of(0.01, 0.02, 0.03),
  zeroPoint: new Int8Array(3),
  values: Int8Array.from(w, (x) => Math.round(x * 100)),
});
const binary = (w: Float32Array): Encoding => ({
  kind: 'binary',
  scale: Float32Array.of(0.5, 0.25, 1),
  signs: Uint8Array.from(w, (x) => (x > 0 ? 1 : 0)),
});

describe('load refuses a .mote storing a float that is not finite, naming the tensor', () => {
  const cases: [string, () => Uint8Array, string, RegExp][] = [
    [
      'raw float32 weights',
      () => model(),
      'fc0.weight',
      /tensor 'fc0.weight' \(float32\) at byte \d+: value 0 is/,
    ],
    ['a bias', () => model(), 'fc1.bias', /tensor 'fc1.bias' \(float32\) at byte \d+: value 0 is/],
    [
      'a codebook',
      () => model(codebook),
      'fc0.weight',
      /tensor 'fc0.weight' \(codebook\) at byte \d+: codebook value 0 is/,
    ],
    [
      'an int8 scale',
      () => model(int8),
      'fc0.weight',
      /tensor 'fc0.weight' \(int8\) at byte \d+: scale 0 is/,
    ],
    [
      'a binary row scale',
      () => model(binary),
      'fc0.weight',
      /tensor 'fc0.weight' \(binary\) at byte \d+: row scale 0 is/,
    ],
  ];
  for (const [what, make, tensor, message] of cases) {
    it(what, () => {
      const good = make();
      expect(() => load(good)).not.toThrow();
      const at = floatsAt(good, tensor);
      for (const v of [NaN, Infinity, -Infinity, 3.4e38, -MAX_STORED]) {
        const bad = poke(good, at, v);
        expect(() => load(bad), `${v}`).toThrow(message);
        expect(() => load(bad)).toThrow(
          new RegExp(
            `is ${String(Math.fround(v)).replace(/[.+]/g, '\\$&')}: a stored float must be finite and below 2\\^64`,
          ),
        );
      }
      // Just below the bound is a number like any other.
      expect(() => load(poke(good, at, 1.8e19))).not.toThrow();
    });
  }

  it('with the native check of Espruino (E.variance) as with the loop', () => {
    const calls: number[] = [];
    (globalThis as { E?: unknown }).E = {
      variance(a: Float32Array, mean: number) {
        calls.push(a.length);
        let s = 0;
        for (const x of a) s += (x - mean) ** 2;
        return s / a.length;
      },
    };
    const good = model(codebook);
    expect(() => load(good)).not.toThrow();
    expect(calls.length).toBeGreaterThan(0);
    const bad = poke(good, floatsAt(good, 'fc0.weight') + 8, -Infinity);
    expect(() => load(bad)).toThrow(/codebook value 2 is -Infinity/);
    // 2^64 itself is out, whatever the rounding of the native sum; just below it is in.
    const at = floatsAt(good, 'fc0.weight');
    expect(() => load(poke(good, at, 2 ** 64))).toThrow(/codebook value 0 is 18446744073709552000/);
    expect(() => load(poke(good, at, 1.8e19))).not.toThrow();
  });
  afterEach(() => delete (globalThis as { E?: unknown }).E);
});

describe('compile refuses non-finite weights, naming the tensor and its op', () => {
  it('in the writer and before compressing', async () => {
    const g = mlp([4, 3, 2], 1);
    (g.tensors[2].encoding as { data: Float32Array }).data[5] = NaN;
    const message = /tensor 'fc1.weight' \(float32, of op 2 \(dense → 'fc1'\)\): value 5 is NaN/;
    expect(() => writeMote(g)).toThrow(message);
    await expect(compile(g, { clusterBits: 4 })).rejects.toThrow(message);
  });

  it('scales, codebooks and the input normalisation', () => {
    const g = mlp([4, 3, 2], 1, (w, s, l) => (l === 0 ? int8(w) : { kind: 'float32', data: w }));
    (g.tensors[0].encoding as { scale: Float32Array }).scale[1] = Infinity;
    expect(() => writeMote(g)).toThrow(
      /tensor 'fc0.weight' \(int8, of op 0 \(dense → 'fc0'\)\): scale 1 is Infinity/,
    );
    const c = mlp([4, 3, 2], 1, (w, s, l) => (l === 1 ? codebook(w) : { kind: 'float32', data: w }));
    (c.tensors[2].encoding as { codebook: Float32Array }).codebook[0] = 3.4e38;
    expect(() => writeMote(c)).toThrow(/tensor 'fc1.weight' \(codebook, .*\): codebook value 0 is 3.39999/);
    const n: Graph = { ...mlp([4, 3, 2], 1), metadata: { normalization: { mean: [0, NaN], std: [1] } } };
    expect(() => writeMote(n)).toThrow(/metadata normalization: mean\[1\] is NaN/);
    const tiny: Graph = { ...mlp([4, 3, 2], 1), metadata: { normalization: { mean: [0], std: [1e-300] } } };
    expect(() => writeMote(tiny)).toThrow(/std\[0\] is 1e-300: a divisor must be at least 2\^-64/);
  });

  it('normalisation statistics beyond float32 are refused at load (they would feed infinities)', () => {
    const placeholder: Graph = {
      ...mlp([4, 3, 2], 1),
      metadata: { normalization: { mean: [1234567], std: [7654321] } },
    };
    const bytes = writeMote(placeholder);
    const text = new TextDecoder('latin1').decode(bytes);
    const swap = (from: string, to: string) => {
      const b = new Uint8Array(bytes);
      b.set(new TextEncoder().encode(to), text.indexOf(from));
      new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
      return b;
    };
    expect(() => load(swap('1234567', '1.0e+39'))).toThrow(
      /section META at byte \d+: normalization .* below 2\^64/,
    );
    expect(() => load(swap('7654321', '1e-3000'))).toThrow(
      /section META at byte \d+: normalization .*std at least 2\^-64/,
    );
    expect(() => load(swap('1234567', '1234568'))).not.toThrow();
  });

  it("an ONNX BatchNormalization's statistics, naming the input", () => {
    const ModelProto = protobuf.Root.fromJSON(ONNX_PROTO_JSON as unknown as protobuf.INamespace).lookupType(
      'onnx.ModelProto',
    );
    const m = ModelProto.toObject(ModelProto.decode(normalizedMlp().bytes)) as {
      graph: {
        node: { opType: string; input: string[] }[];
        initializer: { name: string; floatData: number[] }[];
      };
    };
    const bn = m.graph.node.find((n) => n.opType === 'BatchNormalization')!;
    m.graph.initializer.find((t) => t.name === bn.input[3])!.floatData[2] = NaN;
    const bytes = ModelProto.encode(ModelProto.fromObject(m)).finish();
    expect(() => importOnnx(bytes, 'bn.onnx')).toThrow(
      new RegExp(`BatchNormalization.*mean '${bn.input[3]}' holds NaN at channel 2: it must be finite`),
    );
  });
});

/** x → dense (×1e19) → dense (×1e19) → softmax: the second layer overflows float32. */
function overflowing(): Uint8Array {
  const big = (n: number): Encoding => ({ kind: 'float32', data: new Float32Array(n).fill(1e19) });
  return writeMote({
    inputs: [{ name: 'x', shape: [2] }],
    outputs: ['p'],
    values: [
      { name: 'h1', shape: [2] },
      { name: 'h2', shape: [2] },
      { name: 'p', shape: [2] },
    ],
    tensors: [
      { name: 'w1', shape: [2, 2], encoding: big(4) },
      { name: 'w2', shape: [2, 2], encoding: big(4) },
    ],
    ops: [
      { op: 'dense', input: 'x', output: 'h1', weight: 'w1' },
      { op: 'dense', input: 'h1', output: 'h2', weight: 'w2' },
      { op: 'softmax', input: 'h2', output: 'p' },
    ],
    metadata: {},
  });
}

describe('a run that overflows is reported', () => {
  const first = /layer 1 \(dense, output 'h2'\) is the first to give one: the run overflowed or met a NaN/;

  it('by run() and runExits(), naming the first layer whose output is not finite', () => {
    const m = load(overflowing());
    // 1e19 · 1 · 2 = 2e19 after layer 0; layer 1 gives 4e38, past float32.
    expect(() => run(m, [1, 1])).toThrow(/output 'p' holds NaN \(value 0\); /);
    expect(() => run(m, [1, 1])).toThrow(first);
    expect(() => runExits(m, [1, 1])).toThrow(first);
    // Small inputs stay finite and run.
    expect(run(m, [1e-30, 1e-30]).outputs[0]).toHaveLength(2);
  });

  it('by mote run, with exit 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-finite-'));
    writeFileSync(path.join(dir, 'm.mote'), overflowing());
    writeFileSync(path.join(dir, 'x.json'), '[1, 1]');
    const r = await main(['run', path.join(dir, 'm.mote'), '--input', path.join(dir, 'x.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(first);
  });

  it('and an infinite input is refused like a NaN', () => {
    const m = load(overflowing());
    expect(() => run(m, [1, Infinity])).toThrow(/input 'x' holds Infinity, not a finite number/);
    expect(() => run(m, [NaN, 1])).toThrow(/holds a value that is not a number/);
  });
});
