// Post-training full-integer quantisation: a float graph becomes an int8 graph in the
// form the TFLite importer produces (src/import/tflite/import.ts), so the runtime's int8
// kernels run it unchanged. Activation ranges are recorded by running the float graph
// in mote's own runtime over calibration samples; then, as TFLite's converter does:
// weights are symmetric int8 per output channel, biases int32 with scale = input scale ×
// weight scale, activations asymmetric int8 from their [min, max] (widened to hold 0),
// a relu/clip after a conv is fused into its clip, a relu/clip after a dense or add
// shares its range with that op's output, pooling/reshape/relu/clip keep their input's
// quantisation, softmax outputs are scale 1/256, zero point −128. The runtime quantises
// the float input and dequantises the output, so callers still pass and get floats.
import type {
  Conv2dOp,
  Graph,
  Int32Encoding,
  Int8Encoding,
  Op,
  Quantization,
  Requantize,
  Value,
} from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { decodeWeights } from '../format/decode.js';
import { writeMote } from '../format/writer.js';
import { feed, load, step } from '../runtime/model.js';
// The graphs made here are int8: register the runtime's int8 kernels for the host.
import '../runtime/int8-support.js';

export interface Int8ActivationOptions {
  /** Samples whose activation ranges set the quantisation (sample-major features). */
  calibration: Dataset;
  /** How many of them to run (the first ones); default 500. */
  samples?: number;
  /** Requantisation of the int8 ops; default 'fixed-point' (TFLite Micro's). */
  requantize?: Requantize;
}

/** Ops the int8 runtime runs (src/runtime/quant.ts checkInt8Op); globalavgpool becomes an avgpool. */
export const INT8_ACTIVATION_OPS = [
  'dense',
  'conv2d',
  'maxpool',
  'avgpool',
  'globalavgpool',
  'relu',
  'clip',
  'reshape',
  'softmax',
  'add',
] as const;

export class Int8ActivationsError extends Error {}

function fail(problem: string): never {
  throw new Int8ActivationsError(`mote: int8 activations: ${problem}`);
}

/** The float graph quantised to int8 activations, weights and biases. */
export function quantizeActivations(graph: Graph, opts: Int8ActivationOptions): Graph {
  const g = fuseConvActivations(globalPoolsAsAvgPools(checkSupported(graph)));
  const ranges = calibrate(g, opts.calibration, opts.samples ?? 500);
  const quant = chooseQuantization(g, ranges);
  const tensors = new Map(g.tensors.map((t) => [t.name, t]));
  for (const op of g.ops) {
    if (op.op !== 'dense' && op.op !== 'conv2d') continue;
    const w = tensors.get(op.weight);
    if (!w) fail(`op '${op.output}' (${op.op}): no weight tensor '${op.weight}'`);
    const wq = symmetricPerChannel(decodeWeights(w), w.shape);
    tensors.set(w.name, { ...w, encoding: wq });
    if (op.bias) {
      const b = tensors.get(op.bias);
      if (!b) fail(`op '${op.output}' (${op.op}): no bias tensor '${op.bias}'`);
      tensors.set(b.name, {
        ...b,
        encoding: int32Bias(decodeWeights(b), quant.get(op.input)!.scale, wq.scale),
      });
    }
  }
  const withQuant = (v: Value): Value => ({ ...v, quant: quant.get(v.name)! });
  const samples = Math.min(opts.samples ?? 500, opts.calibration.count);
  return {
    ...g,
    inputs: g.inputs.map(withQuant),
    values: g.values.map(withQuant),
    tensors: g.tensors.map((t) => tensors.get(t.name)!),
    requantize: opts.requantize ?? 'fixed-point',
    metadata: {
      ...g.metadata,
      extra: { ...g.metadata.extra, int8Activations: `calibrated on ${samples} samples` },
    },
  };
}

/** Refuses what the int8 runtime cannot run, naming the op. */
function checkSupported(g: Graph): Graph {
  if (g.exits?.length) fail('early-exit heads are not supported with int8 activations');
  if (g.metadata.normalization)
    fail(
      'the model normalises its input (metadata.normalization), which the runtime does not do for int8 inputs; fold it into the weights of the first layer before quantising',
    );
  if (g.inputs.some((v) => v.quant) || g.values.some((v) => v.quant))
    fail('the graph already has int8 values');
  const shapes = new Map([...g.inputs, ...g.values].map((v) => [v.name, v.shape]));
  const size = (name: string) => (shapes.get(name) ?? []).reduce((a, b) => a * b, 1);
  g.ops.forEach((op, i) => {
    const where = `op ${i} (${op.op} '${op.output}')`;
    if (!(INT8_ACTIVATION_OPS as readonly string[]).includes(op.op))
      fail(`${where}: no int8 kernel for ${op.op} (supported: ${INT8_ACTIVATION_OPS.join(', ')})`);
    if (
      op.op === 'add' &&
      (op.constant || !op.other || size(op.other) !== size(op.output) || size(op.input) !== size(op.output))
    )
      fail(`${where}: int8 add needs two computed values of one shape (no constant, no broadcasting)`);
    if (
      (op.op === 'maxpool' || op.op === 'avgpool') &&
      (op.dilations[0] !== 1 || op.dilations[1] !== 1 || op.countIncludePad)
    )
      fail(`${where}: int8 pooling has no dilation or count_include_pad`);
  });
  return g;
}

/** globalavgpool [H, W, C] → avgpool with an H×W window (+ reshape to [C] when the output is [C]). */
function globalPoolsAsAvgPools(g: Graph): Graph {
  const shapes = new Map([...g.inputs, ...g.values].map((v) => [v.name, v.shape]));
  const ops: Op[] = [];
  const values: Value[] = [];
  const byName = new Map(g.values.map((v) => [v.name, v]));
  for (const op of g.ops) {
    const out = byName.get(op.output)!;
    if (op.op !== 'globalavgpool') {
      ops.push(op);
      values.push(out);
      continue;
    }
    const s = shapes.get(op.input)!;
    if (s.length !== 3) fail(`op globalavgpool '${op.output}': input must be [H, W, C], not [${s}]`);
    const pool: Op = {
      op: 'avgpool',
      input: op.input,
      output: out.shape.length === 3 ? op.output : `${op.output}:pool`,
      kernel: [s[0], s[1]],
      strides: [s[0], s[1]],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
    };
    ops.push(pool);
    values.push({ name: pool.output, shape: [1, 1, s[2]] });
    if (pool.output !== op.output) {
      ops.push({ op: 'reshape', input: pool.output, output: op.output, shape: out.shape });
      values.push(out);
    }
  }
  return { ...g, ops, values };
}

/** How many ops read each value (graph outputs count as readers). */
function readers(g: Graph): Map<string, Op[]> {
  const r = new Map<string, Op[]>();
  const add = (name: string, op: Op) => r.set(name, [...(r.get(name) ?? []), op]);
  for (const op of g.ops) {
    add(op.input, op);
    if (op.op === 'add' && op.other) add(op.other, op);
  }
  return r;
}

/** A relu/clip that is the only reader of a conv's output becomes the conv's clip (TFLite's fused activation). */
function fuseConvActivations(g: Graph): Graph {
  const read = readers(g);
  const outputs = new Set(g.outputs);
  const fused = new Map<string, Op>();
  for (const op of g.ops) {
    const r = read.get(op.output) ?? [];
    if (op.op !== 'conv2d' || op.clip || outputs.has(op.output) || r.length !== 1) continue;
    if (r[0].op === 'relu' || r[0].op === 'clip') fused.set(op.output, r[0]);
  }
  if (!fused.size) return g;
  const dropped = new Set([...fused.values()]);
  const ops = g.ops.flatMap((op): Op[] => {
    if (dropped.has(op)) return [];
    const act = fused.get(op.output);
    if (!act || op.op !== 'conv2d') return [op];
    const clip: [number, number] = act.op === 'clip' ? [act.min, act.max] : [0, Infinity];
    const conv: Conv2dOp = { ...op, output: act.output, clip };
    return [conv];
  });
  return { ...g, ops, values: g.values.filter((v) => !fused.has(v.name)) };
}

type Range = [number, number];

/** Each value's [min, max] over the calibration samples, by running the float graph in the runtime. */
function calibrate(g: Graph, data: Dataset, samples: number): Map<string, Range> {
  const n = Math.min(samples, data.count);
  if (n < 1) fail('the calibration data set is empty');
  const m = load(writeMote(g), { plan: 'cache' });
  const per = data.features.length / data.count;
  const need = g.inputs.reduce((a, v) => a + v.shape.reduce((x, y) => x * y, 1), 0);
  if (g.inputs.length !== 1 || per !== need)
    fail(`calibration samples have ${per} features; the model's one input takes ${need}`);
  const ranges: Range[] = m.graph.values.map(() => [Infinity, -Infinity]);
  const track = (v: number) => {
    const r = ranges[v];
    const b = m.buffers[v];
    for (let i = 0; i < b.length; i++) {
      if (b[i] < r[0]) r[0] = b[i];
      if (b[i] > r[1]) r[1] = b[i];
    }
  };
  for (let s = 0; s < n; s++) {
    feed(m, data.features.subarray(s * per, (s + 1) * per));
    for (const v of m.graph.inputs) track(v);
    for (let o = 0; o < m.graph.ops.length; o++) {
      step(m, o);
      track(m.graph.ops[o].output);
    }
  }
  return new Map(m.graph.values.map((v, i) => [v.name, ranges[i]]));
}

/** Asymmetric int8 over [min, max] widened to hold 0 (so zero, relu's floor and padding are exact). */
export function rangeQuantization([min, max]: Range): Quantization {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = Math.fround(Math.max(hi - lo, 1e-6) / 255);
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zeroPoint };
}

const SOFTMAX_OUT: Quantization = { scale: 1 / 256, zeroPoint: -128 };

/** Every value's quantisation, following the constraints of the int8 kernels. */
function chooseQuantization(g: Graph, ranges: Map<string, Range>): Map<string, Quantization> {
  const read = readers(g);
  const outputs = new Set(g.outputs);
  const q = new Map<string, Quantization>();
  const rangeOf = (name: string): Range => ranges.get(name) ?? fail(`no calibrated range for '${name}'`);
  for (const v of g.inputs) q.set(v.name, rangeQuantization(rangeOf(v.name)));
  for (const op of g.ops) {
    const x = q.get(op.input);
    if (!x) fail(`op '${op.output}' (${op.op}) reads '${op.input}' before it is quantised`);
    switch (op.op) {
      case 'reshape':
      case 'maxpool':
      case 'avgpool':
      case 'relu':
      case 'clip':
        q.set(op.output, x);
        break;
      case 'softmax':
        q.set(op.output, SOFTMAX_OUT);
        break;
      default: {
        // A relu/clip that alone reads this output sets its range (TFLite: the fused activation's).
        const r = read.get(op.output) ?? [];
        const act =
          !outputs.has(op.output) && r.length === 1 && (r[0].op === 'relu' || r[0].op === 'clip')
            ? r[0]
            : null;
        q.set(op.output, rangeQuantization(rangeOf(act ? act.output : op.output)));
      }
    }
  }
  return q;
}

/** Symmetric int8 per output channel (axis 0), values in [−127, 127] as TFLite's converter makes them. */
export function symmetricPerChannel(data: Float32Array, shape: number[]): Int8Encoding {
  const channels = shape[0];
  const inner = data.length / channels;
  const scale = new Float32Array(channels);
  const values = new Int8Array(data.length);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = c * inner; i < (c + 1) * inner; i++) max = Math.max(max, Math.abs(data[i]));
    // An all-zero channel still needs a positive scale.
    scale[c] = max > 0 ? max / 127 : 1;
    for (let i = c * inner; i < (c + 1) * inner; i++)
      values[i] = Math.max(-127, Math.min(127, Math.round(data[i] / scale[c])));
  }
  return { kind: 'int8', axis: 0, scale, zeroPoint: new Int8Array(channels), values };
}

/** int32 biases with scale = input scale × weight scale per channel (the int8 kernels add them to their sums). */
export function int32Bias(data: Float32Array, inScale: number, wScale: Float32Array): Int32Encoding {
  const channels = wScale.length;
  if (data.length !== channels) fail(`a bias has ${data.length} values for ${channels} channels`);
  const scale = new Float32Array(channels);
  const values = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = Math.fround(inScale) * wScale[c];
    values[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(data[c] / scale[c])));
  }
  return { kind: 'int32', axis: 0, scale, values };
}
