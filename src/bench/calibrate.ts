// Measures the cost of each runtime kernel kind in the desktop engines that stand in for
// devices (QuickJS, Duktape), from whole-inference timings of synthetic models that each
// isolate one kernel kind. The figures feed the cost models in targets/*.ts (scaled to each
// device there; see docs/TARGETS.md).
//
//   npx tsx src/bench/calibrate.ts [--engine quickjs|duktape|node|both|all] [--json] [--quick]
// (default: both = quickjs and duktape)
//
// Method: for a unit op U (a ReLU over N elements, a dense N×N layer with a given weight
// encoding, ...), time a chain of K1 and of K2 copies of U and take
// (T(K2) - T(K1)) / (K2 - K1): the cost of one U with every per-inference constant
// (input copy, output copy, call overhead) cancelled. Then, with the estimator's formula
// (src/emulate/estimate.ts): cost(U) = usPerOp + elements·usPerElement + macs·usPerMac + bits·usPerDecodedBit,
//   ReLU over 1 and over N elements      → usPerOp, usPerElement;
//   dense N×N, float32 weights           → usPerMac.dense;
//   dense N×N, streamed int8 / codebooks → usPerMac['dense-decode'] and usPerDecodedBit
//                                          (least squares over encodings of 2-8 bits/weight);
//   dense N×N, sparse (10 % kept)        → usPerMac['dense-sparse'] (per dense MAC, as profiled).
import { bundleRuntime } from '../build/runtime.js';
import { writeMote } from '../format/writer.js';
import type { Encoding, Graph, Op, Tensor, Value } from '../ir/types.js';
import { mulberry32 } from '../data/prng.js';
import { toCodebook, toSparse } from '../compress/sparse.js';
import { toInt8 } from '../compress/quantize.js';
import { pruneByMagnitude } from '../compress/prune.js';
import { load, run } from '../runtime/model.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runDukProgram, runInDuktape } from '../../targets/engines/duktape.js';
import { runInNode } from '../../targets/engines/node.js';
import type { EngineRun } from '../../targets/engines/harness.js';
import { getQuickJS } from 'quickjs-emscripten';
import * as vm from 'node:vm';

export type CalibrationEngine = 'quickjs' | 'duktape' | 'node';

/** What one engine's measurements come to, in µs, in the CostModel's terms. */
export interface Calibration {
  engine: CalibrationEngine;
  usPerOp: number;
  usPerElement: number;
  /** Softmax's own per-element cost (exp), reported; the cost model has one element price. */
  usPerSoftmaxElement: number;
  usPerMac: { dense: number; 'dense-decode': number; 'dense-sparse': number };
  usPerDecodedBit: number;
  /** µs per iteration of an empty for loop (the device-scaling yardstick). */
  usPerEmptyLoop: number;
  /** Each unit op measured: µs per copy, with its counts. */
  units: UnitCost[];
}

export interface UnitCost {
  label: string;
  kernel: string;
  plan: 'stream' | 'cache';
  elements: number;
  macs: number;
  bits: number;
  us: number;
  /** For dense-decode units: µs the fitted model predicts (shows the fit's quality). */
  fittedUs?: number;
}

type Unit =
  | { kind: 'relu' | 'softmax'; n: number }
  | { kind: 'dense'; n: number; encode: (w: Float32Array, shape: number[]) => Encoding };

const N = 128;

/** Gaussian weights (Box-Muller), as trained layers have: clusters differ in size, so Huffman codes vary in length. */
function weights(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => {
    const u = 1 - rand();
    return (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())) / Math.sqrt(N);
  });
}

/** x[n] → k copies of the unit op in a chain. Dense layers get float32 biases. */
function chain(unit: Unit, k: number): Graph {
  const tensors: Tensor[] = [];
  const ops: Op[] = [];
  const values: Value[] = [];
  let input = 'x';
  for (let i = 0; i < k; i++) {
    const output = `v${i}`;
    if (unit.kind === 'dense') {
      const shape = [unit.n, unit.n];
      tensors.push({ name: `w${i}`, shape, encoding: unit.encode(weights(unit.n * unit.n, 1 + i), shape) });
      tensors.push({
        name: `b${i}`,
        shape: [unit.n],
        encoding: { kind: 'float32', data: weights(unit.n, 99) },
      });
      ops.push({ op: 'dense', input, output, weight: `w${i}`, bias: `b${i}` });
    } else {
      ops.push({ op: unit.kind, input, output });
    }
    values.push({ name: output, shape: [unit.n] });
    input = output;
  }
  return {
    inputs: [{ name: 'x', shape: [unit.n] }],
    outputs: [input],
    values,
    tensors,
    ops,
    metadata: { name: 'calibration' },
  };
}

/** Stream bits of one tensor as the runtime's profile counts them (index and gap streams). */
function streamBits(e: Encoding): number {
  // The writer's stream sizes are what the runtime reads; recompute them by writing.
  const g: Graph = {
    inputs: [{ name: 'x', shape: [N] }],
    outputs: ['y'],
    values: [{ name: 'y', shape: [N] }],
    tensors: [{ name: 'w', shape: [N, N], encoding: e }],
    ops: [{ op: 'dense', input: 'x', output: 'y', weight: 'w' }],
    metadata: {},
  };
  return profiledBits(writeMote(g));
}

// The runtime itself reports the bits (OpProfile.bits); use it on the host.
function profiledBits(bytes: Uint8Array): number {
  const m = load(bytes, { plan: 'stream' });
  const r = run(m, new Float32Array(N), { profile: true });
  return r.profile ? r.profile[0].bits : 0;
}

interface Options {
  /** Target wall time per measurement, ms. */
  targetMs: number;
  /** Measurements per point; the minimum is kept. */
  trials: number;
}

async function timeModel(
  engine: CalibrationEngine,
  bundle: string,
  bytes: Uint8Array,
  input: number[],
  plan: 'stream' | 'cache',
  repeat: number,
): Promise<EngineRun> {
  if (engine === 'quickjs') {
    return runInQuickJS(bundle, bytes, [input], {
      memoryLimitBytes: 256 * 1024 * 1024,
      plan,
      repeat,
      interruptAfterMs: 120_000,
    });
  }
  if (engine === 'node') return runInNode(bundle, bytes, [input], { plan, repeat, timeoutMs: 120_000 });
  return runInDuktape(bundle, bytes, [input], { plan, repeat, timeoutMs: 120_000 });
}

/** µs per inference of a model, repeated until one measurement takes ~targetMs; best of trials. */
async function usPerInference(
  engine: CalibrationEngine,
  bundle: string,
  g: Graph,
  plan: 'stream' | 'cache',
  opts: Options,
): Promise<number> {
  const bytes = writeMote(g);
  const rand = mulberry32(7);
  const input = Array.from({ length: g.inputs[0].shape[0] }, () => rand() * 2 - 1);
  let repeat = 4;
  // Grow the repeat count until the engine's millisecond clock measures ≥ targetMs/4.
  for (;;) {
    const r = await timeModel(engine, bundle, bytes, input, plan, repeat);
    const ms = r.msPerInference * repeat;
    if (ms >= opts.targetMs / 4 || repeat >= 1 << 20) {
      repeat = Math.max(1, Math.ceil((repeat * opts.targetMs) / Math.max(ms, 1)));
      break;
    }
    repeat *= 8;
  }
  let best = Infinity;
  for (let t = 0; t < opts.trials; t++) {
    const r = await timeModel(engine, bundle, bytes, input, plan, repeat);
    best = Math.min(best, r.msPerInference * 1000);
  }
  return best;
}

/** µs of one copy of `unit`: difference between chains of k2 and k1 copies. */
async function unitCost(
  engine: CalibrationEngine,
  bundle: string,
  unit: Unit,
  plan: 'stream' | 'cache',
  k1: number,
  k2: number,
  opts: Options,
): Promise<number> {
  const t1 = await usPerInference(engine, bundle, chain(unit, k1), plan, opts);
  const t2 = await usPerInference(engine, bundle, chain(unit, k2), plan, opts);
  return (t2 - t1) / (k2 - k1);
}

/** Least squares y ≈ a + b·x. */
function fitLine(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

const DECODE_ENCODINGS: { label: string; encode: (w: Float32Array, shape: number[]) => Encoding }[] = [
  { label: 'int8 (no stream bits)', encode: (w, shape) => toInt8(w, shape, 0) },
  { label: 'codebook 2-bit fixed', encode: (w) => toCodebook(w, 2, 'fixed') },
  { label: 'codebook 4-bit fixed', encode: (w) => toCodebook(w, 4, 'fixed') },
  { label: 'codebook 2-bit huffman', encode: (w) => toCodebook(w, 2, 'huffman') },
  { label: 'codebook 4-bit huffman', encode: (w) => toCodebook(w, 4, 'huffman') },
  { label: 'codebook 6-bit huffman', encode: (w) => toCodebook(w, 6, 'huffman') },
];

const SPARSE_DENSITY = 0.1;

/** The empty loop Espruino's published timings use: `for (var i = 0; i < n; i++);`. */
const LOOP_ITERATIONS = 10_000_000;
const LOOP_SOURCE = `(function(){var t=Date.now();for(var i=0;i<${LOOP_ITERATIONS};i++);return String(Date.now()-t);})()`;

/** µs per iteration of an empty `for` loop: the yardstick for scaling to devices (docs/TARGETS.md). */
export async function emptyLoopUs(engine: CalibrationEngine, runs = 5): Promise<number> {
  // Best of several runs: QuickJS runs as WebAssembly, and V8 tiers a module's code up
  // after its first runs (a cold first run measured ~6× slower here).
  let best = Infinity;
  for (let r = 0; r < runs; r++) best = Math.min(best, await loopMs(engine));
  return (best * 1000) / LOOP_ITERATIONS;
}

async function loopMs(engine: CalibrationEngine): Promise<number> {
  if (engine === 'quickjs') {
    const qjs = await getQuickJS();
    const ctx = qjs.newContext();
    try {
      const h = ctx.unwrapResult(ctx.evalCode(LOOP_SOURCE));
      const ms = Number(ctx.getString(h));
      h.dispose();
      return ms;
    } finally {
      ctx.dispose();
    }
  }
  if (engine === 'node') return Number(vm.runInNewContext(LOOP_SOURCE));
  return Number((await runDukProgram(`print(${LOOP_SOURCE});\n`, 120_000)).trim());
}

export async function calibrate(
  engine: CalibrationEngine,
  bundle: string,
  opts: Options = { targetMs: 400, trials: 3 },
  log: (line: string) => void = () => {},
): Promise<Calibration> {
  const units: UnitCost[] = [];
  const note = (u: UnitCost): void => {
    units.push(u);
    log(`  ${engine}: ${u.label}: ${u.us.toFixed(2)} µs per op`);
  };
  const BIG = 2048;
  // Per op and per element: ReLU on 1 and on BIG elements, 1 vs 21 ops in the chain.
  const relu1 = await unitCost(engine, bundle, { kind: 'relu', n: 1 }, 'cache', 1, 201, opts);
  note({ label: 'relu ×1', kernel: 'relu', plan: 'cache', elements: 1, macs: 0, bits: 0, us: relu1 });
  const reluN = await unitCost(engine, bundle, { kind: 'relu', n: BIG }, 'cache', 1, 21, opts);
  note({ label: `relu ×${BIG}`, kernel: 'relu', plan: 'cache', elements: BIG, macs: 0, bits: 0, us: reluN });
  const usPerElement = (reluN - relu1) / (BIG - 1);
  const usPerOp = Math.max(relu1 - usPerElement, 0);
  const softN = await unitCost(engine, bundle, { kind: 'softmax', n: BIG }, 'cache', 1, 11, opts);
  note({
    label: `softmax ×${BIG}`,
    kernel: 'softmax',
    plan: 'cache',
    elements: BIG,
    macs: 0,
    bits: 0,
    us: softN,
  });
  const usPerSoftmaxElement = (softN - usPerOp) / BIG;

  const macs = N * N;
  const fixed = usPerOp + N * usPerElement;
  // Resident float32 weights (viewed in the file): the plain dense kernel.
  const f32 = await unitCost(
    engine,
    bundle,
    { kind: 'dense', n: N, encode: (w) => ({ kind: 'float32', data: w }) },
    'stream',
    1,
    5,
    opts,
  );
  note({
    label: `dense ${N}×${N} float32`,
    kernel: 'dense',
    plan: 'stream',
    elements: N,
    macs,
    bits: 0,
    us: f32,
  });
  const usDense = (f32 - fixed) / macs;

  // Streamed encodings: per MAC plus per decoded bit, by least squares over encodings.
  const decode: UnitCost[] = [];
  for (const e of DECODE_ENCODINGS) {
    const bits = streamBits(e.encode(weights(macs, 1), [N, N]));
    const us = await unitCost(
      engine,
      bundle,
      { kind: 'dense', n: N, encode: e.encode },
      'stream',
      1,
      5,
      opts,
    );
    const u: UnitCost = {
      label: `dense ${N}×${N} ${e.label}`,
      kernel: 'dense-decode',
      plan: 'stream',
      elements: N,
      macs,
      bits,
      us,
    };
    decode.push(u);
    note(u);
  }
  const fit = fitLine(
    decode.map((u) => u.bits / macs),
    decode.map((u) => (u.us - fixed) / macs),
  );
  const usDecodeMac = fit.a;
  const usPerDecodedBit = fit.b;
  for (const u of decode) u.fittedUs = fixed + macs * usDecodeMac + u.bits * usPerDecodedBit;

  // Sparse: 10 % of weights kept, 4-bit clustered values, 4-bit gaps, Huffman-coded.
  const sparseEncode = (w: Float32Array): Encoding =>
    toSparse(pruneByMagnitude(w, 1 - SPARSE_DENSITY), { gapBits: 4, clusterBits: 4, coding: 'huffman' });
  const sbits = streamBits(sparseEncode(weights(macs, 1)));
  const sp = await unitCost(
    engine,
    bundle,
    { kind: 'dense', n: N, encode: sparseEncode },
    'stream',
    1,
    5,
    opts,
  );
  note({
    label: `dense ${N}×${N} sparse ${SPARSE_DENSITY * 100}% kept`,
    kernel: 'dense-sparse',
    plan: 'stream',
    elements: N,
    macs,
    bits: sbits,
    us: sp,
  });
  const usSparse = Math.max((sp - fixed - sbits * Math.max(usPerDecodedBit, 0)) / macs, 0);

  return {
    engine,
    usPerOp,
    usPerElement,
    usPerSoftmaxElement,
    usPerMac: { dense: usDense, 'dense-decode': usDecodeMac, 'dense-sparse': usSparse },
    usPerDecodedBit,
    usPerEmptyLoop: await emptyLoopUs(engine),
    units,
  };
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

export function calibrationTable(c: Calibration): string {
  const lines = [
    `${c.engine}:`,
    `  usPerOp            ${fmt(c.usPerOp)}`,
    `  usPerElement       ${fmt(c.usPerElement)}   (softmax: ${fmt(c.usPerSoftmaxElement)} per element)`,
    `  usPerMac.dense         ${fmt(c.usPerMac.dense)}`,
    `  usPerMac.dense-decode  ${fmt(c.usPerMac['dense-decode'])}`,
    `  usPerMac.dense-sparse  ${fmt(c.usPerMac['dense-sparse'])}   (${SPARSE_DENSITY * 100} % of weights kept)`,
    `  usPerDecodedBit    ${fmt(c.usPerDecodedBit)}`,
    `  empty for-loop iteration  ${fmt(c.usPerEmptyLoop)}`,
    `  units (µs per op measured${c.units.some((u) => u.fittedUs !== undefined) ? ', fitted' : ''}):`,
  ];
  for (const u of c.units) {
    const fitted = u.fittedUs === undefined ? '' : `  fitted ${fmt(u.fittedUs)}`;
    lines.push(`    ${u.label.padEnd(36)} ${fmt(u.us).padStart(9)}  bits ${u.bits}${fitted}`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--engine');
  const which = at >= 0 ? argv[at + 1] : 'both';
  if (which !== 'quickjs' && which !== 'duktape' && which !== 'node' && which !== 'both' && which !== 'all') {
    throw new Error(
      `calibrate: --engine must be quickjs, duktape, node, both or all, not '${String(which)}'`,
    );
  }
  const engines: CalibrationEngine[] =
    which === 'both' ? ['quickjs', 'duktape'] : which === 'all' ? ['quickjs', 'duktape', 'node'] : [which];
  const bundle = await bundleRuntime(true);
  const opts: Options = quick ? { targetMs: 150, trials: 1 } : { targetMs: 400, trials: 3 };
  const log = json ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const results: Calibration[] = [];
  for (const e of engines) results.push(await calibrate(e, bundle, opts, log));
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else process.stdout.write(results.map(calibrationTable).join('\n\n') + '\n');
}

const self = process.argv[1] ?? '';
if (/calibrate\.(ts|js)$/.test(self)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
