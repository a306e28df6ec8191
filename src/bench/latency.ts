// `npm run bench:latency`: batch-1 inference latency of mote (JS kernels and WebAssembly
// kernels) against onnxruntime-web (wasm backend, 1 thread) and TFLite's WebAssembly
// runtime (@tensorflow/tfjs-tflite), all in this one process, plus the time the same
// .mote takes inside QuickJS (the emulated watch engine). Writes its section of
// docs/BENCHMARKS.md.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, TFLITE_MICRO_DIR } from '../build/paths.js';
import { bundleRuntime } from '../build/runtime.js';
import type { Graph } from '../ir/types.js';
import { importTfjsLayersFile } from '../import/tfjs/layers.js';
import { importTfliteFile } from '../import/tflite/import.js';
import { compressGraph } from '../compress/pipeline.js';
import { writeMote } from '../format/writer.js';
import { loadDigits } from '../data/digits.js';
import { load, run, type Model, type OpProfile } from '../runtime/model.js';
import { opName } from '../runtime/registry.js';
import { CSR_MAX_DENSITY, wasmAccelerator } from '../wasm/accelerator.js';
import { loadTfliteReference, type TfliteReference } from '../reference/tflite.js';
import { onnxReference, type OnnxInput, type OnnxReference } from '../reference/onnxruntime.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { exportOnnx, toOnnxInput } from './onnx-export.js';
import { exportOnnxQdq, toQdqInput, type QdqActivations } from './onnx-export-qdq.js';
import { medianMs, timeContenders, type Contender, type Latency } from './latency-timer.js';
import { provenance, writeBenchSection } from './report.js';

const COMMAND = 'npm run bench:latency';
const TFLITE_DIR = TFLITE_MICRO_DIR;
const QUICK = process.argv.includes('--quick');

/** One row of the benchmark: a .mote, its inputs, and the peers that run the same model. */
interface Case {
  name: string;
  /** How the .mote was made. */
  source: string;
  mote: Uint8Array;
  /** Inputs as mote takes them (a few, used in turn): floats, or int8 for int8 models. */
  inputs: Input[];
  /**
   * The ONNX model onnxruntime-web runs, or why there is none; `feed` turns a mote input
   * into its input (default: float32, CHW), and its output must be within `tolerance` of
   * mote's (default: 1e-3 on identical weights, else unchecked).
   */
  onnx:
    | { bytes: Uint8Array; what: string; feed?: (x: Input) => OnnxInput; tolerance?: number }
    | { none: string };
  /** The .tflite TFLite runs (with its inputs), or why there is none. */
  tflite: { bytes: Uint8Array; inputs: ArrayLike<number>[] } | { none: string };
  /** Same weights as the ONNX model (the "identical dense float weights" goal), or compressed. */
  identicalWeights: boolean;
  /** LeNet cases: accuracy on the 2,000 held-out digits. */
  digits?: boolean;
}

interface Row {
  c: Case;
  macs: number;
  moteBytes: number;
  lat: Partial<Record<Engine, Latency>>;
  loadMs: Partial<Record<Engine, number>>;
  quickjsMs: number | string;
  accuracy: Partial<Record<Engine, number>>;
  profile: { op: string; kernel: string; macs: number; us: number }[];
  notes: string[];
}

type Engine = 'mote-js' | 'mote-wasm' | 'onnxruntime-web' | 'tflite';
const ENGINES: Engine[] = ['mote-js', 'mote-wasm', 'onnxruntime-web', 'tflite'];

function digitInputs(n: number): Float32Array[] {
  const d = loadDigits('test');
  return Array.from({ length: n }, (_, i) => d.features.slice(i * 784, (i + 1) * 784));
}

/** Seeded values in [lo, hi). */
function seeded(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return lo + ((s >>> 8) / 16777216) * (hi - lo);
  });
}

/** int8 inputs for an int8 model: TFLite and mote both take them as they are (no quantisation). */
export function int8Inputs(mote: Uint8Array, n: number): Int8Array[] {
  const m = load(mote);
  const size = m.graph.values[m.graph.inputs[0]].size;
  return Array.from({ length: n }, (_, k) => Int8Array.from(seeded(size, 7 + k, -128, 128), Math.floor));
}

/**
 * A TF.js Layers model as IR: mote's importer (dense models), else the trainer's reader
 * (src/train/layers.ts, through TF.js), which also knows Conv2D and pooling layers.
 */
async function tfjsGraph(file: string): Promise<Graph> {
  try {
    return await importTfjsLayersFile(file);
  } catch (e) {
    if (!/unsupported layer class/.test((e as Error).message)) throw e;
    const { loadLayersModelFile, graphFromLayersModel } = await import('../train/layers.js');
    await (await import('../train/backend.js')).initTraining();
    return graphFromLayersModel(await loadLayersModelFile(file), file);
  }
}

async function lenetCases(): Promise<{ cases: Case[]; missing: string[] }> {
  const cases: Case[] = [];
  const missing: string[] = [];
  for (const name of ['lenet-300-100', 'lenet-5']) {
    const dir = path.join(ROOT, 'models', name);
    if (!existsSync(path.join(dir, 'model.json'))) {
      missing.push(
        `${name}: models/${name}/model.json is not in the tree yet (the compression pipeline makes it)`,
      );
      continue;
    }
    const graph = await tfjsGraph(path.join(dir, 'model.json'));
    const onnx = {
      bytes: exportOnnx(graph),
      what: `exported by mote from the same TF.js weights (src/bench/onnx-export.ts)`,
    };
    const inputs = digitInputs(QUICK ? 50 : 2000);
    cases.push({
      name: `${name} float`,
      source: `models/${name}/model.json, float32`,
      mote: writeMote(graph),
      inputs,
      onnx,
      tflite: { none: 'no .tflite original (trained with TF.js)' },
      identicalWeights: true,
      digits: true,
    });
    const committed = path.join(dir, `${name}.mote`);
    let compressed: Uint8Array;
    let source: string;
    if (existsSync(committed)) {
      compressed = readFileSync(committed);
      source = `models/${name}/${name}.mote (models/recipes/${name}.json: pruned, clustered, fine-tuned)`;
    } else {
      compressed = writeMote(compressGraph(graph, { prune: 0.9, clusterBits: 5, gapBits: 5 }));
      source = `stand-in: models/${name}/${name}.mote is not in the tree yet, so post-training 90% pruning + 5-bit clusters, no fine-tuning`;
      missing.push(
        `${name} compressed: ${name}.mote not committed yet; a post-training stand-in was measured`,
      );
    }
    cases.push({
      name: `${name} compressed`,
      source,
      mote: compressed,
      inputs,
      onnx: { bytes: onnx.bytes, what: 'the float original (same ONNX as the float row)' },
      tflite: { none: 'no .tflite original' },
      identicalWeights: false,
      digits: true,
    });
  }
  return { cases, missing };
}

async function tfliteCases(): Promise<{ cases: Case[]; missing: string[] }> {
  const cases: Case[] = [];
  const missing: string[] = [];
  const file = (f: string) => path.join(TFLITE_DIR, f);
  const hello = await importTfliteFile(file('hello_world_float.tflite'));
  const helloX = Array.from({ length: 16 }, (_, k) => Float32Array.of((k * 2 * Math.PI) / 16));
  cases.push({
    name: 'hello_world float',
    source: 'hello_world_float.tflite imported',
    mote: writeMote(hello),
    inputs: helloX,
    onnx: { bytes: exportOnnx(hello), what: 'no ONNX original: exported by mote from the same weights' },
    tflite: { bytes: readFileSync(file('hello_world_float.tflite')), inputs: helloX },
    identicalWeights: true,
  });
  // Activations of the QDQ export: the faster form for each model (figures in onnx-export-qdq.ts).
  for (const [name, f, act] of [
    ['hello_world int8', 'hello_world_int8.tflite', 'u8'],
    ['micro_speech int8', 'micro_speech_quantized.tflite', 's8'],
    ['person_detect int8', 'person_detect.tflite', 'u8'],
  ] as [string, string, QdqActivations][]) {
    let g: Graph;
    try {
      g = await importTfliteFile(file(f));
    } catch (e) {
      missing.push(`${name}: mote cannot import ${f} yet (${(e as Error).message})`);
      continue;
    }
    const mote = writeMote(g);
    const q = int8Inputs(mote, 8);
    cases.push({
      name,
      source: `${f} imported (int8 ops, TFLite fixed-point requantisation)`,
      mote,
      inputs: q,
      onnx: {
        bytes: exportOnnxQdq(g, act),
        what: `QDQ ONNX export of the .tflite (int8 weights and ${act} activations; src/bench/onnx-export-qdq.ts)`,
        feed: (x) => toQdqInput(x as Int8Array, g.inputs[0].shape, act), // int8 models take int8 inputs
        // Found up to 3 output steps (mote's fixed-point requantisation against onnxruntime's float32).
        tolerance: 4.5 * g.values.find((v) => v.name === g.outputs[0])!.quant!.scale,
      },
      tflite: { bytes: readFileSync(file(f)), inputs: q },
      identicalWeights: false,
    });
  }
  return { cases, missing };
}

type Input = Float32Array | Int8Array;

function accuracy(predict: (x: Input) => number, inputs: Input[]): number {
  const labels = loadDigits('test').labels;
  let ok = 0;
  inputs.forEach((x, i) => {
    if (predict(x) === labels[i]) ok++;
  });
  return ok / inputs.length;
}

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
}

/** Mean per-op time of the wasm engine's profile over `n` runs. */
function profileOf(m: Model, inputs: Input[], n: number): Row['profile'] {
  const sum: OpProfile[] = run(m, inputs[0], { profile: true }).profile!;
  sum.forEach((p) => (p.ms = 0));
  for (let i = 0; i < n; i++) {
    const p = run(m, inputs[i % inputs.length], { profile: true }).profile!;
    p.forEach((q, k) => (sum[k].ms += q.ms));
  }
  return sum.map((p) => ({
    op: `${p.name} (${p.op})`,
    kernel: p.kernel,
    macs: p.macs,
    us: (p.ms / n) * 1000,
  }));
}

async function measure(c: Case, bundle: string): Promise<Row> {
  const row: Row = {
    c,
    macs: 0,
    moteBytes: c.mote.length,
    lat: {},
    loadMs: {},
    quickjsMs: '',
    accuracy: {},
    profile: [],
    notes: [],
  };
  const contenders: Contender[] = [];
  let k = 0;
  const next = () => c.inputs[k++ % c.inputs.length];

  row.loadMs['mote-js'] = await medianMs(5, () => load(c.mote, { plan: 'cache' }));
  const js = load(c.mote, { plan: 'cache' });
  row.macs = js.macs;
  contenders.push({ name: 'mote-js', call: () => run(js, next()), async: false });

  const accel = wasmAccelerator();
  load(c.mote, { accelerator: accel }); // compiles the kernels module once (not part of a model's load)
  row.loadMs['mote-wasm'] = await medianMs(5, () => load(c.mote, { plan: 'cache', accelerator: accel }));
  const wasm = load(c.mote, { plan: 'cache', accelerator: accel });
  // Reshapes cost nothing on either path; count the other ops left to the JS kernels.
  const jsOps = wasm.graph.ops.filter((op, o) => !wasm.fast[o] && opName(op.code) !== 'reshape');
  if (jsOps.length)
    row.notes.push(
      `${jsOps.length} of ${wasm.graph.ops.length} ops run on the JS kernels (${[...new Set(jsOps.map((op) => opName(op.code)))].join(', ')})`,
    );
  contenders.push({ name: 'mote-wasm', call: () => run(wasm, next()), async: false });

  // onnxruntime-web through the shared reference runner (src/reference/onnxruntime.ts).
  let session: OnnxReference | null = null;
  const shape = js.graph.values[js.graph.inputs[0]].shape;
  const dims = shape.length === 3 ? [1, shape[2], shape[0], shape[1]] : [1, ...shape];
  const feed = ('bytes' in c.onnx && c.onnx.feed) || ((x: Input) => toOnnxInput(Float32Array.from(x), shape));
  const onnxInputs = c.inputs.map(feed);
  if ('bytes' in c.onnx) {
    const bytes = c.onnx.bytes;
    row.loadMs['onnxruntime-web'] = await medianMs(3, async () =>
      (await onnxReference(bytes, [dims])).release(),
    );
    const s = await onnxReference(bytes, [dims]);
    session = s;
    let j = 0;
    contenders.push({
      name: 'onnxruntime-web',
      call: () => s.run([onnxInputs[j++ % onnxInputs.length]]),
      async: true,
    });
    // On identical weights (or the same int8 model), the exported graph must compute what mote computes.
    const a = (await s.run([onnxInputs[0]]))[0];
    const b = run(js, c.inputs[0]).outputs[0];
    const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    const tolerance = c.onnx.tolerance ?? (c.identicalWeights ? 1e-3 : Infinity);
    if (!(diff < tolerance)) throw new Error(`${c.name}: onnxruntime-web and mote differ by ${diff}`);
  }

  let tfl: TfliteReference | null = null;
  if ('bytes' in c.tflite) {
    const { bytes, inputs } = c.tflite;
    try {
      row.loadMs.tflite = await medianMs(3, async () => (await loadTfliteReference(bytes)).dispose());
      const t = await loadTfliteReference(bytes);
      tfl = t;
      let j = 0;
      contenders.push({ name: 'tflite', call: () => t.run([inputs[j++ % inputs.length]]), async: false });
    } catch (e) {
      row.notes.push(`TFLite refuses the model: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
  }

  const lat = await timeContenders(contenders, QUICK ? { samples: 10, warmupMs: 50 } : {});
  contenders.forEach((ct, i) => (row.lat[ct.name as Engine] = lat[i]));

  if (c.digits) {
    row.accuracy['mote-js'] = accuracy((x) => run(js, x).label, c.inputs);
    row.accuracy['mote-wasm'] = accuracy((x) => run(wasm, x).label, c.inputs);
    if (session) {
      const labels: number[] = [];
      for (const x of onnxInputs) labels.push(argmax((await session.run([x]))[0]));
      let i = 0;
      row.accuracy['onnxruntime-web'] = accuracy(() => labels[i++], c.inputs);
    }
  }
  row.profile = profileOf(wasm, c.inputs, QUICK ? 20 : 300);
  tfl?.dispose();
  await session?.release();

  // QuickJS: the shipped bundle, plan 'cache', enough repeats for ~0.5 s.
  try {
    const probe = await runInQuickJS(bundle, c.mote, [c.inputs[0]], {
      memoryLimitBytes: 256 << 20,
      plan: 'cache',
      interruptAfterMs: 120_000,
    });
    // An inference over a second is timed once; faster ones are repeated for ~0.5 s.
    const repeat = Math.max(
      1,
      Math.min(200, Math.round((QUICK ? 100 : 500) / Math.max(probe.msPerInference, 0.01))),
    );
    row.quickjsMs =
      probe.msPerInference > 1000
        ? probe.msPerInference
        : (
            await runInQuickJS(bundle, c.mote, c.inputs.slice(0, 4), {
              memoryLimitBytes: 256 << 20,
              plan: 'cache',
              repeat,
              interruptAfterMs: 60_000,
            })
          ).msPerInference;
  } catch (e) {
    row.quickjsMs = `failed: ${(e as Error).message.slice(0, 80)}`;
  }
  return row;
}

const us = (v: number | undefined): string =>
  v === undefined ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a && b ? `${(b / a).toFixed(2)}×` : '—';
/** MACs per second from MACs and µs, in G, M or k. */
function macsPerS(macs: number, v: number | undefined): string {
  if (!v) return '—';
  const r = (macs / v) * 1e6;
  return r >= 1e9
    ? `${(r / 1e9).toFixed(2)} G`
    : r >= 1e6
      ? `${(r / 1e6).toFixed(1)} M`
      : `${(r / 1e3).toFixed(0)} k`;
}

/**
 * Where compressed rows (CSR) beat dense SIMD: one 784→300 layer (LeNet-300-100's first)
 * at several densities, run both ways by the wasm kernels. Sets CSR_MAX_DENSITY.
 */
async function csrCrossover(): Promise<string[]> {
  const densities = [0.05, 0.1, 0.2, 0.3, 0.5];
  const rows = ['| density | dense SIMD µs | CSR µs |', '|---:|---:|---:|'];
  const x = seeded(784, 3, 0, 1);
  for (const d of densities) {
    const w = seeded(784 * 300, 11, -1, 1);
    const keep = seeded(784 * 300, 12, 0, 1);
    for (let i = 0; i < w.length; i++) if (keep[i] >= d) w[i] = 0;
    const g: Graph = {
      inputs: [{ name: 'x', shape: [784] }],
      outputs: ['y'],
      values: [{ name: 'y', shape: [300] }],
      tensors: [{ name: 'w', shape: [300, 784], encoding: { kind: 'float32', data: w } }],
      ops: [{ op: 'dense', input: 'x', output: 'y', weight: 'w' }],
      metadata: { name: 'csr-crossover' },
    };
    const bytes = writeMote(g);
    const dense = load(bytes, { accelerator: wasmAccelerator({ csrMaxDensity: 0 }) });
    const csr = load(bytes, { accelerator: wasmAccelerator({ csrMaxDensity: 1 }) });
    const [a, b] = await timeContenders(
      [
        { name: 'dense', call: () => run(dense, x), async: false },
        { name: 'csr', call: () => run(csr, x), async: false },
      ],
      { samples: QUICK ? 5 : 30, warmupCalls: 300 },
    );
    rows.push(`| ${d * 100}% | ${us(a.medianUs)} | ${us(b.medianUs)} |`);
  }
  return rows;
}

function best(r: Row): { engine: Engine; lat: Latency } {
  const js = r.lat['mote-js']!;
  const w = r.lat['mote-wasm']!;
  return w.medianUs <= js.medianUs ? { engine: 'mote-wasm', lat: w } : { engine: 'mote-js', lat: js };
}

function report(rows: Row[], missing: string[], seconds: number, crossover: string[]): string {
  const out: string[] = [];
  out.push('## Latency: mote against onnxruntime-web and TFLite (WebAssembly), batch 1');
  out.push('');
  out.push(
    provenance(COMMAND) + ` The whole run took ${seconds.toFixed(0)} s; every figure below comes from it.`,
  );
  out.push('');
  out.push(
    'Each engine runs in this one Node process: mote with its JS kernels (`mote-js`, plan cache) and with its ' +
      'WebAssembly kernels (`mote-wasm`, SIMD build), onnxruntime-web 1.30 (wasm backend, `numThreads = 1`, through src/reference/onnxruntime.ts: a tensor in and the output copied out per call) and TFLite ' +
      'from @tensorflow/tfjs-tflite (its WebAssembly module, 1 thread). Latency is per inference, input in and ' +
      "output out through each engine's API; each sample is the mean of a block of calls of at least 1 ms, the " +
      'engines take turns block by block after a warm-up, and median and p90 are over the samples (µs). ' +
      'Load is the one-time load/decode/session-creation time (ms, median). QuickJS is the same .mote in the ' +
      'emulated watch engine (targets/engines/quickjs.ts, the shipped ES5 bundle, plan cache).',
  );
  out.push('');
  out.push('| model | MACs | .mote | engine | median µs | p90 µs | MAC/s | load ms | accuracy |');
  out.push('|---|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    for (const e of ENGINES) {
      const l = r.lat[e];
      if (!l) continue;
      const acc = r.accuracy[e];
      out.push(
        `| ${r.c.name} | ${r.macs.toLocaleString('en-US')} | ${(r.moteBytes / 1024).toFixed(1)} KB | ${e} | ${us(l.medianUs)} | ${us(l.p90Us)} | ${macsPerS(r.macs, l.medianUs)} | ${(r.loadMs[e] ?? 0).toFixed(2)} | ${acc === undefined ? '' : (acc * 100).toFixed(2) + '%'} |`,
      );
    }
    out.push(
      `| ${r.c.name} | | | QuickJS | ${typeof r.quickjsMs === 'number' ? us(r.quickjsMs * 1000) : r.quickjsMs} | | ${typeof r.quickjsMs === 'number' ? macsPerS(r.macs, r.quickjsMs * 1000) : ''} | | |`,
    );
  }
  out.push('');
  out.push('### Ratios (same run): peer median ÷ mote median, above 1× means mote is faster');
  out.push('');
  out.push('| model | mote best | vs onnxruntime-web | vs TFLite | QuickJS ÷ mote best | peers and notes |');
  out.push('|---|---|---:|---:|---:|---|');
  for (const r of rows) {
    const b = best(r);
    const notes = [
      'bytes' in r.c.onnx ? `ONNX: ${r.c.onnx.what}` : `ONNX: ${r.c.onnx.none}`,
      'none' in r.c.tflite ? `TFLite: ${r.c.tflite.none}` : '',
      ...r.notes,
    ].filter((s) => s);
    out.push(
      `| ${r.c.name} | ${b.engine} ${us(b.lat.medianUs)} µs | ${ratio(b.lat.medianUs, r.lat['onnxruntime-web']?.medianUs)} | ${ratio(b.lat.medianUs, r.lat.tflite?.medianUs)} | ${typeof r.quickjsMs === 'number' ? ((r.quickjsMs * 1000) / b.lat.medianUs).toFixed(0) + '×' : '—'} | ${notes.join('; ')} |`,
    );
  }
  out.push('');
  out.push(...goals(rows));
  if (missing.length) {
    out.push('');
    out.push('Not measured, or measured with a stand-in:');
    out.push('');
    for (const m of missing) out.push(`- ${m}`);
  }
  out.push('');
  out.push(
    `Pruned layers run in wasm as compressed rows (CSR: u16 columns, decoded f32 values) when at most ${CSR_MAX_DENSITY * 100}% ` +
      'of their weights are non-zero, else as dense SIMD (wasm has no gather). The crossover on one 784→300 layer, same run:',
  );
  out.push('');
  out.push(...crossover);
  out.push('');
  out.push(
    'Convolutions have two wasm kernels, picked per conv at load by an estimate of their vector ops ' +
      '(`convCosts` in src/wasm/accelerator.ts): SIMD across output channels (full convs; int8 as i16 input ' +
      'pairs with `i32x4.dot_i16x8_s`, 1×1 convs two pixels at a time; depthwise 8–16 channels per step), or ' +
      'SIMD across output columns over a planar, phase-split copy of the input that runs only the stored ' +
      '(non-zero) taps, which wins for few input channels (LeNet-5 conv1, micro_speech, person_detect conv 0) ' +
      "and for pruned convs (LeNet-5's conv2 keeps 12% of its weights). int8 requantisation runs on i64x2 " +
      'lanes, bit-exact with TFLite Micro.',
  );
  out.push('');
  out.push('Sources: ' + rows.map((r) => `${r.c.name}: ${r.c.source}`).join('; ') + '.');
  return out.join('\n');
}

/** The goals, checked on this run's figures, with the profile where one is missed. */
function goals(rows: Row[]): string[] {
  const out = ['### Goals (issue 8), checked on this run', ''];
  const byName = new Map(rows.map((r) => [r.c.name, r]));
  const missedRows = new Set<Row>();
  for (const r of rows) {
    const ortUs = r.lat['onnxruntime-web']?.medianUs;
    if (!ortUs) continue;
    const b = best(r);
    if (!r.c.identicalWeights) {
      if (r.moteBytes > 300 * 1024) continue;
      const float = byName.get(r.c.name.replace('compressed', 'float'));
      const accNote =
        float && r.accuracy['mote-wasm'] !== undefined && r.accuracy['onnxruntime-web'] !== undefined
          ? ` (accuracy ${(r.accuracy['mote-wasm']! * 100).toFixed(2)}% vs the original's ${(r.accuracy['onnxruntime-web']! * 100).toFixed(2)}%)`
          : '';
      const ok = ortUs / b.lat.medianUs >= 2;
      if (!ok) missedRows.add(r);
      out.push(
        `- ${ok ? 'met' : 'MISSED'}: ${r.c.name} (.mote ${(r.moteBytes / 1024).toFixed(1)} KB) is ${(ortUs / b.lat.medianUs).toFixed(2)}× faster than onnxruntime-web on the original (goal ≥ 2×)${accNote}.`,
      );
    } else {
      const x = ortUs / b.lat.medianUs;
      const small = r.macs < 10000;
      const ok = small ? x > 1 : x >= 1 / 1.5;
      if (!ok) missedRows.add(r);
      out.push(
        `- ${ok ? 'met' : 'MISSED'}: ${r.c.name}, identical float weights, ${r.macs.toLocaleString('en-US')} MACs: mote (${b.engine}) takes ${(b.lat.medianUs / ortUs).toFixed(2)}× onnxruntime-web's time (goal: ${small ? 'faster, under 10,000 MACs' : 'within 1.5×'}).`,
      );
    }
  }
  for (const r of missedRows) {
    out.push('');
    out.push(
      `Profile of mote-wasm on ${r.c.name} (mean per op over the profiled runs; timer overhead included):`,
    );
    out.push('');
    out.push('| op | kernel | MACs | µs |');
    out.push('|---|---|---:|---:|');
    for (const p of r.profile) out.push(`| ${p.op} | ${p.kernel} | ${p.macs} | ${us(p.us)} |`);
  }
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const bundle = await bundleRuntime(true, true);
  const lenet = await lenetCases();
  const tfl = await tfliteCases();
  const rows: Row[] = [];
  for (const c of [...lenet.cases, ...tfl.cases]) {
    process.stderr.write(`bench:latency: ${c.name}\n`);
    rows.push(await measure(c, bundle));
  }
  const crossover = await csrCrossover();
  const text = report(rows, [...lenet.missing, ...tfl.missing], (performance.now() - t0) / 1000, crossover);
  if (QUICK) console.log(text);
  else {
    writeBenchSection('latency', text);
    console.log(text);
  }
}

// Kept importable (for the helpers) without running the bench.
if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('src', 'bench', 'latency.ts')))
  await main();
