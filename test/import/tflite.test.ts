// The TFLite importer and the int8 runtime against real models (thirdparty/
// tflite-micro) and TFLite itself (its WebAssembly build, src/reference/tflite.ts).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/import/tflite/import.js';
import { writeMote } from '../../src/format/writer.js';
import { GraphError } from '../../src/ir/validate.js';
import { readMote } from '../../src/format/reader.js';
import { compile } from '../../src/compile.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { load, run, type Model } from '../../src/runtime/model.js';
import { loadTfliteReference } from '../../src/reference/tflite.js';
import { mulberry32 } from '../../src/data/prng.js';
import type { Requantize } from '../../src/ir/types.js';
import { readTflite } from '../../src/import/tflite/schema.js';
import { Flatbuffer } from '../../src/import/tflite/flatbuffer.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { runtimeBundle, runtimeBundleInt8 } from '../helpers/bundle.js';
import { personDetectInput } from '../../src/bench/tflite-models.js';
import { TFLITE_MICRO_DIR } from '../../src/build/paths.js';

const DIR = TFLITE_MICRO_DIR;
const file = (name: string) => readFileSync(path.join(DIR, name));

function moteOf(name: string, requantize?: Requantize): Model {
  return load(writeMote(importTflite(file(name), { requantize }, name)));
}

function randomInt8(n: number, rand: () => number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);
}

/** Exact-equality rate and largest difference (in quantization steps) between int8 outputs. */
function agreement(pairs: [ArrayLike<number>, ArrayLike<number>][]): { exact: number; maxSteps: number } {
  let same = 0;
  let total = 0;
  let maxSteps = 0;
  for (const [a, b] of pairs) {
    for (let i = 0; i < a.length; i++) {
      total++;
      if (a[i] === b[i]) same++;
      maxSteps = Math.max(maxSteps, Math.abs(a[i] - b[i]));
    }
  }
  return { exact: same / total, maxSteps };
}

// TFLite's reference FullyConnected in BigInt (tensorflow/lite/kernels/internal/reference/
// integer_ops/fully_connected.h with common.h's MultiplyByQuantizedMultiplier), sharing
// no code with the runtime: the fixed-point mode must equal it bit for bit.
function referenceMultiply(x: bigint, m: bigint, shift: number): bigint {
  const left = BigInt(Math.max(shift, 0));
  const right = BigInt(Math.max(-shift, 0));
  const a = x << left;
  const ab = a * m;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  const high = (ab + nudge) / (1n << 31n); // BigInt division truncates, as C's does
  const mask = (1n << right) - 1n;
  const rem = high & mask;
  const threshold = (mask >> 1n) + (high < 0n ? 1n : 0n);
  return (high >> right) + (rem > threshold ? 1n : 0n);
}

function referenceQuantizeMultiplier(real: number): [bigint, number] {
  let shift = 0;
  let q = real;
  for (; q >= 1; shift++) q /= 2;
  for (; q < 0.5; shift--) q *= 2;
  let fixed = Math.round(q * 2 ** 31);
  if (fixed === 2 ** 31) {
    fixed /= 2;
    shift++;
  }
  return [BigInt(fixed), shift];
}

describe('TFLite import: float and int8 models against TFLite', () => {
  it('hello_world float matches TFLite within float tolerance', async () => {
    const ref = await loadTfliteReference(file('hello_world_float.tflite'));
    const m = moteOf('hello_world_float.tflite');
    let worst = 0;
    for (let i = 0; i < 64; i++) {
      const x = Float32Array.of((i / 63) * 2 * Math.PI);
      const want = ref.run([x])[0][0];
      const got = run(m, x).outputs[0][0];
      worst = Math.max(worst, Math.abs(want - got));
    }
    ref.dispose();
    expect(worst).toBeLessThan(1e-5);
  });

  it('hello_world int8: float32 requantisation equals TFLite (XNNPACK) on all 256 inputs; fixed-point is within 3 steps', async () => {
    const ref = await loadTfliteReference(file('hello_world_int8.tflite'));
    const fixed = moteOf('hello_world_int8.tflite', 'fixed-point');
    const float = moteOf('hello_world_int8.tflite', 'float32');
    const pf: [ArrayLike<number>, ArrayLike<number>][] = [];
    const px: [ArrayLike<number>, ArrayLike<number>][] = [];
    for (let q = -128; q < 128; q++) {
      const x = Int8Array.of(q);
      const want = ref.run([x])[0];
      pf.push([want, run(float, x).quantized[0]!]);
      px.push([want, run(fixed, x).quantized[0]!]);
    }
    ref.dispose();
    expect(agreement(pf)).toEqual({ exact: 1, maxSteps: 0 });
    const a = agreement(px);
    expect(a.exact).toBeGreaterThan(0.85);
    expect(a.maxSteps).toBeLessThanOrEqual(3);
  });

  it("hello_world int8: fixed-point mode is TFLite's reference FullyConnected bit for bit", () => {
    const g = importTflite(file('hello_world_int8.tflite'));
    const m = load(writeMote(g));
    const t = (name: string) => g.tensors.find((x) => x.name === name)!.encoding;
    const q = (name: string) => [...g.inputs, ...g.values].find((v) => v.name === name)!.quant!;
    for (let x0 = -128; x0 < 128; x0++) {
      let x = [x0];
      for (const op of g.ops) {
        if (op.op === 'relu') {
          const zp = q(op.output).zeroPoint;
          x = x.map((v) => Math.max(v, zp));
          continue;
        }
        if (op.op !== 'dense') throw new Error('hello_world is dense and relu only');
        const w = t(op.weight);
        const b = t(op.bias!);
        if (w.kind !== 'int8' || b.kind !== 'int32') throw new Error('int8 weights, int32 bias expected');
        const [qi, qo] = [q(op.input), q(op.output)];
        const [mult, shift] = referenceQuantizeMultiplier((qi.scale * w.scale[0]) / qo.scale);
        const outN = b.values.length;
        const y: number[] = [];
        for (let o = 0; o < outN; o++) {
          let acc = BigInt(b.values[o]);
          for (let i = 0; i < x.length; i++)
            acc += BigInt(w.values[o * x.length + i] * (x[i] - qi.zeroPoint));
          const v = Number(referenceMultiply(acc, mult, shift)) + qo.zeroPoint;
          y.push(Math.min(127, Math.max(-128, v)));
        }
        x = y;
      }
      expect(run(m, Int8Array.of(x0)).quantized[0]![0]).toBe(x[0]);
    }
  });

  it('micro_speech agrees with TFLite on random and structured inputs: exactly with float32 requantisation', async () => {
    const ref = await loadTfliteReference(file('micro_speech_quantized.tflite'));
    const rand = mulberry32(7);
    const inputs: Int8Array[] = [];
    for (let i = 0; i < 12; i++) inputs.push(randomInt8(1960, rand));
    // Structured: constant frames, ramps along time and along frequency, stripes.
    for (const v of [-128, -1, 0, 127]) inputs.push(new Int8Array(1960).fill(v));
    inputs.push(Int8Array.from({ length: 1960 }, (_, i) => ((Math.floor(i / 40) * 5) % 256) - 128));
    inputs.push(Int8Array.from({ length: 1960 }, (_, i) => (i % 40) * 6 - 128));
    inputs.push(Int8Array.from({ length: 1960 }, (_, i) => (Math.floor(i / 40) % 2 ? 100 : -100)));
    for (const mode of ['fixed-point', 'float32'] as const) {
      const m = moteOf('micro_speech_quantized.tflite', mode);
      const pairs = inputs.map((x): [ArrayLike<number>, ArrayLike<number>] => [
        ref.run([x])[0],
        run(m, x).quantized[0]!,
      ]);
      const a = agreement(pairs);
      // XNNPACK (float32) is what the reference runs; TFLite Micro's fixed-point differs
      // by a few steps on a fraction of a percent of outputs (docs/BENCHMARKS.md).
      if (mode === 'float32') expect(a).toEqual({ exact: 1, maxSteps: 0 });
      else expect(a.exact).toBeGreaterThan(0.98);
    }
    ref.dispose();
  });

  it('simple_add (int8 ADD) is within one step of TFLite', async () => {
    const ref = await loadTfliteReference(file('simple_add_model.tflite'));
    const m = moteOf('simple_add_model.tflite');
    const rand = mulberry32(3);
    const pairs: [ArrayLike<number>, ArrayLike<number>][] = [];
    for (let i = 0; i < 4; i++) {
      const a = randomInt8(128 * 128, rand);
      const b = randomInt8(128 * 128, rand);
      pairs.push([ref.run([a, b])[0], run(m, [a, b]).quantized[0]!]);
    }
    ref.dispose();
    const a = agreement(pairs);
    expect(a.maxSteps).toBeLessThanOrEqual(1);
    expect(a.exact).toBeGreaterThan(0.999);
  });

  it('person_detect gives upstream’s decision on person.bmp and no_person.bmp (compiled from the file)', async () => {
    const m = load(await compile(path.join(DIR, 'person_detect.tflite')));
    const person = run(m, personDetectInput(file('person.bmp'))).quantized[0]!;
    const none = run(m, personDetectInput(file('no_person.bmp'))).quantized[0]!;
    // Index 1 = person, 0 = no person.
    expect(person[1]).toBeGreaterThan(person[0]);
    expect(none[0]).toBeGreaterThan(none[1]);
  });

  it('TFLite’s WebAssembly build refuses person_detect (why its reference is upstream’s decision)', async () => {
    await expect(loadTfliteReference(file('person_detect.tflite'))).rejects.toThrow(/quantized_dimension/);
  });

  it('an int8 model runs the same in Duktape (the shipped ES5 int8 bundle) as in Node', async () => {
    const bytes = writeMote(importTflite(file('hello_world_int8.tflite')));
    const m = load(bytes);
    const xs = [0, 0.5, 1.5, 3, 4.5, 6].map((v) => [v]);
    const duk = await runInDuktape(await runtimeBundleInt8(), bytes, xs);
    expect(duk.outputs).toEqual(xs.map((x) => Array.from(run(m, x).outputs[0])));
    // The core bundle has no int8 kernels, and says so.
    await expect(runInDuktape(await runtimeBundle(), bytes, xs)).rejects.toThrow(/no int8 kernels/);
  });

  it('int8 weights Huffman-coded (int8-stream) run identically to raw ones, streamed or cached', () => {
    const g = importTflite(file('micro_speech_quantized.tflite'));
    const raw = load(writeMote(g));
    const bytes = writeMote(compressGraph(g, { clusterBits: 8 }));
    expect(bytes.length).toBeLessThan(writeMote(g).length);
    expect(writeMote(readMote(bytes))).toEqual(bytes);
    const rand = mulberry32(9);
    for (const plan of ['stream', 'cache']) {
      const m = load(bytes, { plan });
      for (let i = 0; i < 4; i++) {
        const x = randomInt8(1960, rand);
        expect(run(m, x).quantized[0]).toEqual(run(raw, x).quantized[0]);
      }
    }
    // Clustered to 2^4 levels: at most 16 distinct values per weight tensor.
    const four = readMote(writeMote(compressGraph(g, { clusterBits: 4 })));
    for (const t of four.tensors)
      if (t.encoding.kind === 'int8' && t.encoding.coding)
        expect(new Set(t.encoding.values).size).toBeLessThanOrEqual(16);
  });

  it('an int8 .mote reads back to the same graph and bytes', () => {
    const bytes = writeMote(importTflite(file('micro_speech_quantized.tflite'), { requantize: 'float32' }));
    const g = readMote(bytes);
    expect(g.requantize).toBe('float32');
    expect(writeMote(g)).toEqual(bytes);
  });
});

/** Rewrites operator code `index`'s builtin code in place (both the deprecated byte and the int field). */
function patchOpcode(bytes: Uint8Array, index: number, builtin: number): void {
  const fb = new Flatbuffer(bytes, 'patch');
  const root = fb.root('TFL3', 'model');
  const code = fb.tables(root, 1, 'operator_codes', 'operator code')[index];
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const dep = fb.field(code, 0, 1, 'deprecated_builtin_code');
  const full = fb.field(code, 3, 4, 'builtin_code');
  if (dep) bytes[dep] = builtin;
  if (full) view.setInt32(full, builtin, true);
}

describe('TFLite import: bad files', () => {
  const models = ['hello_world_int8.tflite', 'micro_speech_quantized.tflite', 'simple_add_model.tflite'];

  /**
   * Import, write and load must succeed, or fail with a mote error (naming file, section,
   * op or tensor) or the graph validator's; any other throw is a crash.
   */
  function importsOrFailsClearly(bytes: Uint8Array, name: string): void {
    try {
      load(writeMote(importTflite(bytes, {}, name)));
    } catch (e) {
      const msg = (e as Error).message;
      if (!(e instanceof GraphError) && !msg.startsWith('mote: '))
        throw new Error(`unclear error for ${name}: ${(e as Error).stack}`);
    }
  }

  it('every truncation of the shared models fails with a clear error', () => {
    for (const name of models) {
      const bytes = file(name);
      const step = Math.max(1, Math.floor(bytes.length / 300));
      for (let n = 0; n < bytes.length; n += step) {
        expect(() => importTflite(bytes.subarray(0, n), {}, name), `${name} cut at ${n}`).toThrow(/^mote: /);
      }
    }
  });

  it('bit flips give a model or a clear error, never a crash', () => {
    const rand = mulberry32(11);
    for (const name of [...models, 'person_detect.tflite']) {
      const clean = file(name);
      const flips = name === 'person_detect.tflite' ? 30 : 300;
      for (let k = 0; k < flips; k++) {
        const bytes = new Uint8Array(clean);
        // Flips land in the first 4 KB (tables, vtables, offsets) as often as in the data.
        const at =
          rand() < 0.5
            ? Math.floor(rand() * Math.min(4096, bytes.length))
            : Math.floor(rand() * bytes.length);
        bytes[at] ^= 1 << Math.floor(rand() * 8);
        importsOrFailsClearly(bytes, name);
      }
    }
  }, 30_000);

  it('names what is wrong', () => {
    const bytes = new Uint8Array(file('hello_world_int8.tflite'));
    bytes[4] = 0x58; // the file identifier
    expect(() => importTflite(bytes, {}, 'x.tflite')).toThrow(
      /x\.tflite at byte 4: file identifier is "XFL3", not "TFL3"/,
    );
    expect(() => importTflite(new Uint8Array(3), {}, 'y.tflite')).toThrow(
      /y\.tflite at byte 0: .*runs past the end/,
    );
    // keyword_scrambled_8bit takes int16 input (then QUANTIZE and SVDF ops).
    expect(() => importTflite(file('keyword_scrambled_8bit.tflite'), {}, 'kw.tflite')).toThrow(
      /kw\.tflite input 52: tensor 'tensor52' is INT16; activations must be float32 or int8/,
    );
    // An op mote has no kernel for is named.
    const g = readTflite(file('micro_speech_quantized.tflite'));
    const code = g.operatorCodes.findIndex((c) => c.builtin === 25);
    const bad = new Uint8Array(file('micro_speech_quantized.tflite'));
    patchOpcode(bad, code, 28); // SOFTMAX → TANH
    expect(() => importTflite(bad, {}, 'ms.tflite')).toThrow(
      /ms\.tflite operator 3 \(TANH\): unsupported op TANH/,
    );
  });
});
