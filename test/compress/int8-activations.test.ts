// Post-training int8 activations: the int8 graph agrees with the float one on held-out
// digits, round-trips through the format, runs in the shipped int8 bundle under
// Duktape and QuickJS, and ops without an int8 kernel are refused by name.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { quantizeActivations, rangeQuantization } from '../../src/compress/int8-activations.js';
import { importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import { loadDigits, type Dataset } from '../../src/data/digits.js';
import { readMote } from '../../src/format/reader.js';
import { writeMote } from '../../src/format/writer.js';
import { decodeWeights } from '../../src/format/decode.js';
import { load, run, type Model } from '../../src/runtime/model.js';
import { mulberry32 } from '../../src/data/prng.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runtimeBundleInt8 } from '../helpers/bundle.js';
import type { Graph, Op, Tensor, Value } from '../../src/ir/types.js';
import { parseRecipe } from '../../src/compress/recipe.js';
import { runRecipe } from '../../src/compress/run-recipe.js';
import { main } from '../../src/cli/main.js';

const train = loadDigits('train');
const test = loadDigits('test');
const PIXELS = 784;

function digit(d: Dataset, i: number): Float32Array {
  return d.features.subarray(i * PIXELS, (i + 1) * PIXELS);
}

/** Top-1 agreement between the two models and both accuracies over the first `n` test digits. */
function compare(float: Model, int8: Model, n: number) {
  let agree = 0;
  let fOk = 0;
  let qOk = 0;
  for (let i = 0; i < n; i++) {
    const f = run(float, digit(test, i)).label;
    const q = run(int8, digit(test, i)).label;
    if (f === q) agree++;
    if (f === test.labels[i]) fOk++;
    if (q === test.labels[i]) qOk++;
  }
  return { agreement: agree / n, float: fOk / n, int8: qOk / n };
}

/** A graph with every tensor decoded to float32 (fast to run, as the float model computes). */
function asFloat32(g: Graph): Graph {
  return {
    ...g,
    tensors: g.tensors.map((t): Tensor => ({ ...t, encoding: { kind: 'float32', data: decodeWeights(t) } })),
  };
}

describe('post-training int8 activations', () => {
  it('digits-mlp: int8 agrees with float on ≥ 98% of 2,000 held-out digits, accuracy within 1 point', async () => {
    const g = await importTfjsLayersFile('models/digits-mlp/model.json');
    const q = quantizeActivations(g, { calibration: train, samples: 500 });
    // The TFLite importer's form: int8 values everywhere, per-channel symmetric weights, int32 biases.
    expect(q.inputs[0].quant).toBeDefined();
    expect(q.values.every((v) => v.quant)).toBe(true);
    expect(q.requantize).toBe('fixed-point');
    for (const t of q.tensors) {
      if (t.name.endsWith('.weight')) {
        expect(t.encoding.kind).toBe('int8');
        if (t.encoding.kind === 'int8') {
          expect(t.encoding.axis).toBe(0);
          expect(t.encoding.zeroPoint.every((z) => z === 0)).toBe(true);
        }
      } else expect(t.encoding.kind).toBe('int32');
    }
    expect(q.values.at(-1)!.quant).toEqual({ scale: 1 / 256, zeroPoint: -128 });
    const r = compare(load(writeMote(g)), load(writeMote(q)), test.count);
    expect(r.agreement).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(r.int8 - r.float)).toBeLessThanOrEqual(0.01);
  });

  it('LeNet-5: conv+relu fuse into the conv clip; int8 agrees with float on ≥ 98% of 300 held-out digits', async () => {
    const g = asFloat32(readMote(await readFile('models/lenet-5/lenet-5.mote')));
    const q = quantizeActivations(g, { calibration: train, samples: 100 });
    const convs = q.ops.filter((op) => op.op === 'conv2d');
    expect(convs.map((op) => op.op === 'conv2d' && op.clip)).toEqual([
      [0, Infinity],
      [0, Infinity],
    ]);
    expect(q.ops.filter((op) => op.op === 'relu')).toHaveLength(1); // only fc1's
    const r = compare(load(writeMote(g)), load(writeMote(q)), 300);
    expect(r.agreement).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(r.int8 - r.float)).toBeLessThanOrEqual(0.01);
  }, 60_000);

  it('round-trips through the .mote writer and reader', async () => {
    const g = await importTfjsLayersFile('models/digits-mlp/model.json');
    const q = quantizeActivations(g, { calibration: train, samples: 50 });
    const bytes = writeMote(q);
    const back = readMote(bytes);
    expect(back.requantize).toBe('fixed-point');
    expect(back.inputs.map((v) => v.quant)).toEqual(q.inputs.map((v) => v.quant));
    expect(back.values.map((v) => v.quant)).toEqual(q.values.map((v) => v.quant));
    expect(back.tensors.map((t) => t.encoding)).toEqual(q.tensors.map((t) => t.encoding));
    expect(writeMote(back)).toEqual(bytes);
  });

  it('runs in the shipped int8 bundle under Duktape and QuickJS with the Node outputs', async () => {
    const g = await importTfjsLayersFile('models/digits-mlp/model.json');
    const bytes = writeMote(quantizeActivations(g, { calibration: train, samples: 200 }));
    const m = load(bytes);
    const xs = [0, 1, 2, 3].map((i) => Array.from(digit(test, i)));
    const want = xs.map((x) => Array.from(run(m, x).outputs[0]));
    const bundle = await runtimeBundleInt8();
    expect((await runInDuktape(bundle, bytes, xs)).outputs).toEqual(want);
    expect((await runInQuickJS(bundle, bytes, xs, { memoryLimitBytes: 4 << 20 })).outputs).toEqual(want);
  });

  it('quantizes depthwise conv, average and global pooling, add and relu6 (small seeded graph)', () => {
    const g = smallConvGraph();
    const data = randomImages(64, 6 * 6 * 2, 7);
    const q = quantizeActivations(g, { calibration: data, samples: 48 });
    expect(q.ops.map((op) => op.op)).toEqual([
      'conv2d',
      'conv2d',
      'avgpool',
      'add',
      'avgpool',
      'reshape',
      'dense',
    ]);
    const f = load(writeMote(g));
    const m = load(writeMote(q));
    const outScale = q.values.at(-1)!.quant!.scale;
    for (let i = 48; i < 64; i++) {
      const x = data.features.subarray(i * 72, (i + 1) * 72);
      const want = run(f, x).outputs[0];
      const got = run(m, x).outputs[0];
      // Within a few output quantisation steps of the float model.
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(4 * outScale);
    }
  });

  it('refuses an op without an int8 kernel, naming it', () => {
    const g = smallConvGraph();
    const ops = g.ops.map((op): Op =>
      op.op === 'add' ? { op: 'sigmoid', input: op.input, output: op.output } : op,
    );
    expect(() => quantizeActivations({ ...g, ops }, { calibration: randomImages(4, 72, 1) })).toThrow(
      /op 4 \(sigmoid 'sum'\): no int8 kernel for sigmoid/,
    );
    const withConst = g.ops.map((op): Op =>
      op.op === 'add' ? { op: 'add', input: op.input, output: op.output, constant: 'dw.bias' } : op,
    );
    expect(() =>
      quantizeActivations({ ...g, ops: withConst }, { calibration: randomImages(4, 72, 1) }),
    ).toThrow(/add 'sum'.*two computed values/);
  });

  it('refuses calibration data of the wrong size and input normalisation, saying why', () => {
    const g = smallConvGraph();
    expect(() => quantizeActivations(g, { calibration: randomImages(4, 70, 1) })).toThrow(
      /calibration samples have 70 features; the model's one input takes 72/,
    );
    const normalised = { ...g, metadata: { normalization: { mean: [0.5], std: [0.25] } } };
    expect(() => quantizeActivations(normalised, { calibration: randomImages(4, 72, 1) })).toThrow(
      /normalises its input/,
    );
  });

  it('chooses asymmetric ranges that hold zero exactly', () => {
    expect(rangeQuantization([0, 2.55])).toEqual({ scale: Math.fround(0.01), zeroPoint: -128 });
    const q = rangeQuantization([-1, 3]);
    expect(Number.isInteger(q.zeroPoint)).toBe(true);
    // −1 and 3 sit within half a step of the ends of the int8 range.
    expect(Math.abs(q.scale * (-128 - q.zeroPoint) + 1)).toBeLessThanOrEqual(q.scale / 2);
    expect(Math.abs(q.scale * (127 - q.zeroPoint) - 3)).toBeLessThanOrEqual(q.scale / 2);
    // A range that does not reach 0 is widened to hold it.
    expect(rangeQuantization([1, 2])).toEqual(rangeQuantization([0, 2]));
  });
});

describe('int8 activations in recipes and the CLI', () => {
  const stage = (quantize: unknown, more: unknown[] = []) => ({ name: 'r', stages: [...more, { quantize }] });

  it('a quantize stage with activations int8 runs last, as the full-int8 graph the runtime measures', async () => {
    const recipe = parseRecipe(stage({ mode: 'int8', activations: 'int8', calibration: 200 }), 'r.json');
    expect(recipe.stages[0]).toMatchObject({ kind: 'quantize', activations: 'int8', calibration: 200 });
    const g = await importTfjsLayersFile('models/digits-mlp/model.json');
    const { bytes, report } = await runRecipe(g, recipe, { train, test });
    const [float, int8] = report.stages;
    expect(int8.summary).toMatch(/int8 activations calibrated on 200 samples/);
    expect(Math.abs(int8.accuracy! - float.accuracy!)).toBeLessThanOrEqual(0.01);
    expect(int8.fileBytes).toBeLessThan(float.fileBytes / 3.5);
    const back = readMote(bytes);
    expect(back.values.every((v) => v.quant)).toBe(true);
    expect(int8.layers.map((l) => l.encoding)).toEqual(['int8', 'int32', 'int8', 'int32', 'int8', 'int32']);
  });

  it('recipe mistakes are errors naming the key', () => {
    const bad = (json: unknown) => () => parseRecipe(json, 'r.json');
    expect(bad(stage({ mode: 'int8', activatons: 'int8' }))).toThrow(
      /stages\[0\]\.quantize: unknown key 'activatons' \(did you mean 'activations'\?\)/,
    );
    expect(bad(stage({ mode: 'int8', activations: 'int4' }))).toThrow(/activations: must be one of int8/);
    expect(bad(stage({ mode: 'int4', activations: 'int8' }))).toThrow(/need 'mode': 'int8'/);
    expect(bad(stage({ mode: 'int8', perChannel: false, activations: 'int8' }))).toThrow(/per channel/);
    expect(bad(stage({ mode: 'int8', calibration: 100 }))).toThrow(
      /quantize\.calibration: needs 'activations'/,
    );
    expect(bad(stage({ mode: 'int8', activations: 'int8', calibration: 0 }))).toThrow(
      /calibration: must be a whole number/,
    );
    expect(
      bad({
        name: 'r',
        stages: [{ quantize: { mode: 'int8', activations: 'int8' } }, { finetune: { epochs: 1 } }],
      }),
    ).toThrow(/stages\[0\]\.quantize: int8 activations must be the last stage/);
  });

  it('mote compress: --calibration needs --int8-activations; --int8-activations excludes --int4', async () => {
    const a = await main([
      'compress',
      'models/digits-mlp/model.json',
      '-o',
      '/nonexistent/x.mote',
      '--int8',
      '--calibration',
      '100',
    ]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--calibration .* with --int8-activations/);
    const b = await main([
      'compress',
      'models/digits-mlp/model.json',
      '-o',
      '/nonexistent/x.mote',
      '--int8-activations',
      '--int4',
    ]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/choose one of/);
  });
});

/** Seeded images in [0, 1) as a data set (labels unused). */
function randomImages(count: number, size: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  return {
    features: Float32Array.from({ length: count * size }, () => rand()),
    labels: new Uint8Array(count),
    count,
    featureShape: [size],
    classes: 1,
  };
}

/**
 * [6, 6, 2] → conv 3×3×4 + relu6 → depthwise 3×3 (pad 1) → avgpool 1×1 → add(conv, pool) →
 * globalavgpool → dense 4→3: every int8 kernel but maxpool and softmax (covered above).
 */
function smallConvGraph(): Graph {
  const rand = mulberry32(11);
  const w = (n: number) => Float32Array.from({ length: n }, () => rand() - 0.5);
  const t = (name: string, shape: number[]): Tensor => ({
    name,
    shape,
    encoding: { kind: 'float32', data: w(shape.reduce((a, b) => a * b, 1)) },
  });
  const v = (name: string, shape: number[]): Value => ({ name, shape });
  const win = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number] };
  return {
    inputs: [v('image', [6, 6, 2])],
    outputs: ['logits'],
    values: [
      v('conv', [4, 4, 4]),
      v('conv.relu6', [4, 4, 4]),
      v('dw', [4, 4, 4]),
      v('pool', [4, 4, 4]),
      v('sum', [4, 4, 4]),
      v('gap', [4]),
      v('logits', [3]),
    ],
    tensors: [
      t('conv.weight', [4, 3, 3, 2]),
      t('conv.bias', [4]),
      t('dw.weight', [4, 3, 3, 1]),
      t('dw.bias', [4]),
      t('fc.weight', [3, 4]),
      t('fc.bias', [3]),
    ],
    ops: [
      {
        op: 'conv2d',
        input: 'image',
        output: 'conv',
        weight: 'conv.weight',
        bias: 'conv.bias',
        pads: [0, 0, 0, 0],
        groups: 1,
        ...win,
      },
      { op: 'clip', input: 'conv', output: 'conv.relu6', min: 0, max: 6 },
      {
        op: 'conv2d',
        input: 'conv.relu6',
        output: 'dw',
        weight: 'dw.weight',
        bias: 'dw.bias',
        pads: [1, 1, 1, 1],
        groups: 4,
        ...win,
      },
      { op: 'avgpool', input: 'dw', output: 'pool', kernel: [1, 1], pads: [0, 0, 0, 0], ...win },
      { op: 'add', input: 'conv.relu6', other: 'pool', output: 'sum' },
      { op: 'globalavgpool', input: 'sum', output: 'gap' },
      { op: 'dense', input: 'gap', output: 'logits', weight: 'fc.weight', bias: 'fc.bias' },
    ],
    metadata: { name: 'small conv' },
  };
}
