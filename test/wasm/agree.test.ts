// The WebAssembly path (SIMD and scalar builds) against the runtime's JS kernels: the
// same .mote, the same inputs, outputs equal within float tolerance, on every model in
// models/ in several compressions and on conv/pool graphs that cover every wasm kernel
// (and ops left to the JS kernels, which then run on buffers in wasm memory).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/types.js';
import { compile, type CompileOptions } from '../../src/compile.js';
import { importTfliteFile } from '../../src/import/tflite/import.js';
import { importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import { graphFromLayersModel, loadLayersModelFile } from '../../src/train/layers.js';
import { initTraining } from '../../src/train/backend.js';
import { writeMote } from '../../src/format/writer.js';
import { toInt8 } from '../../src/compress/quantize.js';
import { toSparse } from '../../src/compress/sparse.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { quantizeActivations } from '../../src/compress/int8-activations.js';
import { load, run, type Model } from '../../src/runtime/model.js';
import { wasmAccelerator, type ConvKernelChoice, type GuardedRunner } from '../../src/wasm/accelerator.js';
import type { KernelFlavour } from '../../src/wasm/instance.js';
import { ROOT, TFLITE_MICRO_DIR } from '../../src/build/paths.js';
import { GraphBuilder, randomWeights } from '../helpers/graphs.js';

const FLAVOURS: KernelFlavour[] = ['simd', 'scalar'];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 2e-5): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= tol * (1 + Math.abs(e))))
      throw new Error(`${what}: value ${i} is ${actual[i]} on wasm, ${e} on js`);
  }
}

function inputs(m: Model, seed: number): Float32Array[] {
  return m.graph.inputs.map((v, k) => randomWeights(m.graph.values[v].size, seed + k).map((x) => x * 2));
}

/**
 * Loads `bytes` on the JS kernels and on each wasm build; checks every output on a few
 * inputs. `convs` lists the full-conv kernels to force in turn (default: the cost pick).
 */
function checkAgree(
  bytes: Uint8Array,
  what: string,
  expectWasmOps = 1,
  convs: ConvKernelChoice[] = ['auto'],
): void {
  const js = load(bytes, { plan: 'stream' });
  for (const [flavour, conv] of FLAVOURS.flatMap((f) => convs.map((c) => [f, c] as const))) {
    const wasm = load(bytes, { plan: 'stream', accelerator: wasmAccelerator({ flavour, conv }) });
    expect(wasm.engine).toBe(`wasm-${flavour}`);
    expect(wasm.fast.filter((f) => f).length, `${what}: ops run in wasm`).toBeGreaterThanOrEqual(
      expectWasmOps,
    );
    for (let s = 0; s < 3; s++) {
      const x = inputs(js, 10 + s);
      const a = run(js, x);
      const b = run(wasm, x);
      a.outputs.forEach((o, k) => expectClose(b.outputs[k], o, `${what} (${flavour}, ${conv}) output ${k}`));
      expect(b.label).toBe(a.label);
    }
  }
}

const COMPRESSIONS: [string, CompileOptions][] = [
  ['float32', {}],
  ['3-bit clusters', { clusterBits: 3 }],
  ['pruned 92% + 5-bit clusters (CSR)', { prune: 0.92, clusterBits: 5, gapBits: 5 }],
  ['pruned 50% (dense, above the CSR density)', { prune: 0.5, gapBits: 3 }],
  ['int8', { quantize: 'int8' }],
  ['binary', { quantize: 'binary' }],
];

/** mote's TF.js importer (dense models), else the trainer's reader, which knows conv layers. */
async function tfjsGraph(file: string): Promise<Graph> {
  try {
    return await importTfjsLayersFile(file);
  } catch (e) {
    if (!/unsupported layer class/.test((e as Error).message)) throw e;
    await initTraining();
    return graphFromLayersModel(await loadLayersModelFile(file), file);
  }
}

const MODELS = readdirSync(path.join(ROOT, 'models')).filter((d) =>
  existsSync(path.join(ROOT, 'models', d, 'model.json')),
);

describe('wasm and js agree on every model in models/', () => {
  it('finds the models', () => expect(MODELS).toContain('digits-mlp'));
  for (const name of MODELS) {
    for (const [label, opts] of COMPRESSIONS) {
      it(`${name}, ${label}`, async () => {
        const bytes = await compile(await tfjsGraph(path.join(ROOT, 'models', name, 'model.json')), opts);
        checkAgree(bytes, `${name} ${label}`);
      });
    }
  }
});

/** The compressed .mote files committed beside the models (recipes' outputs, exits models). */
const MOTES = readdirSync(path.join(ROOT, 'models'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(ROOT, 'models', d.name))
      .filter((f) => f.endsWith('.mote'))
      .map((f) => path.join('models', d.name, f)),
  );

describe('wasm and js agree on every committed .mote', () => {
  it('finds them', () => expect(MOTES.length).toBeGreaterThan(0));
  for (const file of MOTES) it(file, () => checkAgree(readFileSync(path.join(ROOT, file)), file));
});

describe('wasm and js agree on conv and pool graphs', () => {
  it('full conv (pads, strides, dilations, relu6 clip) → max pool → avg pool (count_include_pad) → dense', () => {
    const b = new GraphBuilder('wasm-ops').input('x', [13, 11, 3]);
    b.tensor('c1.w', [6, 3, 3, 3]);
    b.tensor('c1.b', [6]);
    b.op(
      {
        op: 'conv2d',
        input: 'x',
        output: 'c1',
        weight: 'c1.w',
        bias: 'c1.b',
        strides: [1, 2],
        pads: [1, 1, 1, 0],
        dilations: [2, 1],
        groups: 1,
        clip: [0, 6],
      },
      [11, 5, 6],
    );
    b.op(
      {
        op: 'maxpool',
        input: 'c1',
        output: 'p1',
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0, 0, 1, 1],
        dilations: [1, 1],
      },
      [6, 3, 6],
    );
    b.op(
      {
        op: 'avgpool',
        input: 'p1',
        output: 'p2',
        kernel: [3, 3],
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        countIncludePad: true,
      },
      [6, 3, 6],
    );
    b.op({ op: 'reshape', input: 'p2', output: 'flat', shape: [108] }, [108]);
    b.tensor('d.w', [10, 108]);
    b.op({ op: 'dense', input: 'flat', output: 'd', weight: 'd.w' }, [10]);
    b.op({ op: 'softmax', input: 'd', output: 'y' }, [10]);
    checkAgree(writeMote(b.out('y')), 'conv/pool graph', 5, ['channels', 'planar']);
  });

  it('depthwise (multiplier 1) with strides and pads, then a pointwise conv with compressed weights', () => {
    const b = new GraphBuilder('wasm-ops').input('x', [9, 9, 5]);
    b.tensor('dw.w', [5, 3, 3, 1]);
    b.tensor('dw.b', [5]);
    b.op(
      {
        op: 'conv2d',
        input: 'x',
        output: 'dw',
        weight: 'dw.w',
        bias: 'dw.b',
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        groups: 5,
        clip: [0, Infinity],
      },
      [5, 5, 5],
    );
    b.tensor('pw.w', [18, 1, 1, 5], (w, shape) => toInt8(w, shape, 0));
    b.op(
      {
        op: 'conv2d',
        input: 'dw',
        output: 'pw',
        weight: 'pw.w',
        strides: [1, 1],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
        groups: 1,
      },
      [5, 5, 18],
    );
    b.op({ op: 'relu', input: 'pw', output: 'y' }, [5, 5, 18]);
    checkAgree(writeMote(b.out('y')), 'depthwise graph', 3);
  });

  it('pruned convs run on the planar kernel, taps only (strides, dilations, relu clip)', () => {
    const b = new GraphBuilder('wasm-ops').input('x', [12, 11, 4]);
    const prune = (w: Float32Array) =>
      toSparse(
        w.map((v) => (Math.abs(v) < 0.9 ? 0 : v)),
        { gapBits: 4 },
      );
    b.tensor('c1.w', [9, 3, 3, 4], prune);
    b.tensor('c1.b', [9]);
    b.op(
      {
        op: 'conv2d',
        input: 'x',
        output: 'c1',
        weight: 'c1.w',
        bias: 'c1.b',
        strides: [2, 1],
        pads: [0, 0, 0, 0],
        dilations: [1, 2],
        groups: 1,
        clip: [0, Infinity],
      },
      [5, 7, 9],
    );
    b.tensor('c2.w', [20, 2, 2, 9], prune);
    b.op(
      {
        op: 'conv2d',
        input: 'c1',
        output: 'y',
        weight: 'c2.w',
        strides: [1, 1],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
        groups: 1,
      },
      [4, 6, 20],
    );
    const bytes = writeMote(b.out('y'));
    checkAgree(bytes, 'pruned conv graph', 2, ['auto', 'channels', 'planar']);
    const m = load(bytes, { accelerator: wasmAccelerator() });
    expect(m.fast.every((f) => f && /convPlanar/.test(String((f as GuardedRunner).kernel)))).toBe(true);
  });

  // Output widths 1…21 cover the planar kernel's 16-, 8- and 4-column blocks and every
  // partial last block; strides 1–3 with pads cover its column phases and zero cells.
  for (const [sw, pads] of [
    [1, [1, 2, 1, 2]],
    [2, [0, 1, 1, 0]],
    [3, [1, 0, 0, 2]],
  ] as const) {
    it(`planar and channel kernels agree on output widths 1…21 (stride ${sw}, pads ${pads.join(' ')})`, () => {
      for (let ow = 1; ow <= 21; ow++) {
        const kw = 3;
        const width = (ow - 1) * sw + kw - pads[1] - pads[3];
        if (width < 3) continue; // pads must not exceed the input
        const b = new GraphBuilder('wasm-planar').input('x', [5, width, 2]);
        b.tensor('c.w', [5, 2, kw, 2]);
        b.tensor('c.b', [5]);
        b.op(
          {
            op: 'conv2d',
            input: 'x',
            output: 'y',
            weight: 'c.w',
            bias: 'c.b',
            strides: [1, sw],
            pads: [...pads],
            dilations: [1, 1],
            groups: 1,
            clip: [-1, 1],
          },
          [5 + pads[0] + pads[2] - 1, ow, 5],
        );
        checkAgree(writeMote(b.out('y')), `${ow} columns`, 1, ['channels', 'planar']);
      }
    });
  }

  it('grouped convs and a depth multiplier run planar; ops left to JS (add, global pool) run on its buffers', () => {
    const b = new GraphBuilder('wasm-ops').input('x', [6, 6, 4]);
    b.tensor('g.w', [4, 3, 3, 2]);
    b.op(
      {
        op: 'conv2d',
        input: 'x',
        output: 'g',
        weight: 'g.w',
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        groups: 2,
      },
      [6, 6, 4],
    );
    b.tensor('m.w', [8, 3, 3, 1]);
    b.op(
      {
        op: 'conv2d',
        input: 'g',
        output: 'm',
        weight: 'm.w',
        strides: [1, 1],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
        groups: 4,
      },
      [4, 4, 8],
    );
    b.tensor('k', [8]);
    b.op({ op: 'add', input: 'm', output: 'a', constant: 'k' }, [4, 4, 8]);
    b.op({ op: 'relu', input: 'a', output: 'r' }, [4, 4, 8]);
    b.op({ op: 'globalavgpool', input: 'r', output: 'gp' }, [8]);
    b.tensor('d.w', [3, 8], (w) =>
      toSparse(
        w.map((v) => (Math.abs(v) < 0.5 ? 0 : v)),
        { gapBits: 2 },
      ),
    );
    b.op({ op: 'dense', input: 'gp', output: 'y', weight: 'd.w' }, [3]);
    const bytes = writeMote(b.out('y'));
    checkAgree(bytes, 'mixed graph', 4);
    const m = load(bytes, { accelerator: wasmAccelerator() });
    expect(m.fast.slice(0, 2).every((f) => f && /convPlanar/.test(String((f as GuardedRunner).kernel)))).toBe(
      true,
    );
  });
});

const TFLITE = TFLITE_MICRO_DIR;

describe('wasm and js agree on the TFLite Micro models (int8 ops bit for bit)', () => {
  for (const [f, minWasmOps] of [
    ['hello_world_float', 3],
    ['hello_world_int8', 3],
    ['micro_speech_quantized', 2],
    ['person_detect', 27],
  ] as const) {
    it(f, async () => {
      const bytes = writeMote(await importTfliteFile(path.join(TFLITE, `${f}.tflite`)));
      const js = load(bytes);
      const v = js.graph.inputs[0];
      const size = js.graph.values[v].size;
      const int8 = !!js.qbufs[v];
      // int8 inputs as TFLite takes them; floats spread over the model's range otherwise.
      const xs = [3, 4].map((seed) =>
        int8
          ? Int8Array.from(randomWeights(size, seed), (r) => Math.round(r * 127))
          : randomWeights(size, seed).map((r) => (r + 1) * Math.PI),
      );
      for (const flavour of FLAVOURS) {
        const wasm = load(bytes, { accelerator: wasmAccelerator({ flavour }) });
        expect(wasm.fast.filter((r) => r).length).toBeGreaterThanOrEqual(minWasmOps);
        for (const x of xs) {
          const a = run(js, x);
          const b = run(wasm, x);
          if (int8)
            expect(Array.from(b.quantized[0]!), `${f} ${flavour}`).toEqual(Array.from(a.quantized[0]!));
          else expectClose(b.outputs[0], a.outputs[0], `${f} ${flavour}`);
        }
      }
    });
  }
});

/**
 * `g` cut after conv `k`, whose output becomes the graph's only output, without its fused
 * clamp and with zero point 0 (TFLite's relu outputs have −128, which saturates every
 * negative sum): negative sums then reach the output, so every rounding path is compared.
 */
function cutAfter(g: Graph, k: number): Graph {
  const ops = g.ops.slice(0, k + 1);
  const last = ops[k];
  if (last.op === 'conv2d') ops[k] = { ...last, clip: undefined };
  const names = new Set(ops.map((o) => o.output));
  const values = g.values
    .filter((v) => names.has(v.name))
    .map((v) => (v.name === last.output && v.quant ? { ...v, quant: { ...v.quant, zeroPoint: 0 } } : v));
  return { ...g, ops, values, outputs: [last.output], exits: undefined };
}

describe('wasm int8 kernels agree with js bit for bit on every layer, not only the last', () => {
  for (const [f, requantize] of [
    ['micro_speech_quantized', 'fixed-point'],
    ['person_detect', 'fixed-point'],
    ['person_detect', 'float32'],
  ] as const) {
    it(`${f} (${requantize} requantisation): each conv's whole output`, async () => {
      const g = await importTfliteFile(path.join(TFLITE, `${f}.tflite`), { requantize });
      const size = g.inputs[0].shape.reduce((a, b) => a * b, 1);
      const x = Int8Array.from(randomWeights(size, 9), (r) => Math.round(r * 127));
      let checked = 0;
      g.ops.forEach((op, k) => {
        if (op.op !== 'conv2d') return;
        const bytes = writeMote(cutAfter(g, k));
        const want = Array.from(run(load(bytes), x).quantized[0]!);
        for (const flavour of FLAVOURS)
          for (const conv of ['channels', 'planar'] as const) {
            const got = run(load(bytes, { accelerator: wasmAccelerator({ flavour, conv }) }), x);
            expect(Array.from(got.quantized[0]!), `${op.output} (${flavour}, ${conv})`).toEqual(want);
          }
        checked++;
      });
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe('wasm int8 kernels on shapes the TFLite models lack', () => {
  it('odd input channels (i16 pairs), 21 depthwise channels (16 + a partial 8), 13 outputs, stride 2', () => {
    const b = new GraphBuilder('wasm-int8-shapes').input('x', [9, 7, 3]);
    const conv = (
      name: string,
      input: string,
      w: number[],
      k: number,
      s: number,
      pad: number,
      groups: number,
    ) => {
      b.tensor(`${name}.w`, w);
      b.tensor(`${name}.b`, [w[0]]);
      return {
        op: 'conv2d' as const,
        input,
        output: name,
        weight: `${name}.w`,
        bias: `${name}.b`,
        strides: [s, s] as [number, number],
        pads: [pad, pad, pad, pad] as [number, number, number, number],
        dilations: [1, 1] as [number, number],
        groups,
      };
    };
    b.op(conv('pw', 'x', [21, 1, 1, 3], 1, 1, 0, 1), [9, 7, 21]);
    b.op(conv('dw', 'pw', [21, 3, 3, 1], 3, 1, 1, 21), [9, 7, 21]);
    b.op(conv('y', 'dw', [13, 3, 3, 21], 3, 2, 1, 1), [5, 4, 13]);
    const g = b.out('y');
    const count = 64;
    const calibration = {
      features: randomWeights(count * 189, 4),
      labels: new Uint8Array(count),
      count,
      featureShape: [9, 7, 3],
      classes: 1,
    };
    for (const requantize of ['fixed-point', 'float32'] as const) {
      const q = quantizeActivations(g, { calibration, samples: count, requantize });
      for (let k = 0; k < q.ops.length; k++) {
        const bytes = writeMote(cutAfter(q, k));
        const x = Int8Array.from(randomWeights(189, 8 + k), (r) => Math.round(r * 127));
        const want = Array.from(run(load(bytes), x).quantized[0]!);
        for (const flavour of FLAVOURS)
          for (const choice of ['channels', 'planar'] as const) {
            const wasm = load(bytes, { accelerator: wasmAccelerator({ flavour, conv: choice }) });
            expect(wasm.fast[k], `${q.ops[k].output} runs in wasm`).toBeTruthy();
            expect(
              Array.from(run(wasm, x).quantized[0]!),
              `${q.ops[k].output} ${requantize} ${flavour} ${choice}`,
            ).toEqual(want);
          }
      }
    }
  });
});

describe('wasm int8 kernels: float32 requantisation and Huffman-coded int8 weights', () => {
  it('micro_speech with XNNPACK-style float32 requantisation, and with 4-bit clustered int8-stream weights', async () => {
    const file = path.join(TFLITE, 'micro_speech_quantized.tflite');
    const variants = [
      writeMote(await importTfliteFile(file, { requantize: 'float32' })),
      writeMote(compressGraph(await importTfliteFile(file), { clusterBits: 4 })),
    ];
    for (const bytes of variants) {
      for (const plan of ['stream', 'cache']) {
        const js = load(bytes, { plan });
        const wasm = load(bytes, { plan, accelerator: wasmAccelerator() });
        expect(wasm.fast.filter((r) => r).length).toBeGreaterThanOrEqual(2);
        for (const seed of [5, 6]) {
          const x = Int8Array.from(randomWeights(1960, seed), (r) => Math.round(r * 127));
          expect(Array.from(run(wasm, x).quantized[0]!)).toEqual(Array.from(run(js, x).quantized[0]!));
        }
      }
    }
  });
});
