// TFLite importer: a .tflite flatbuffer (float32 or int8, per-tensor or per-channel
// quantization) becomes one IR Graph. Activations drop TFLite's batch dimension of 1
// and stay channels-last, as the runtime's layout is; depthwise filters [1, kH, kW, C]
// become [C, kH, kW, 1]. Fused activations become a conv's clip or a following
// relu/clip op. QUANTIZE on a graph input and DEQUANTIZE on a graph output are absorbed:
// the runtime quantizes float inputs and dequantizes int8 outputs itself.
import { readFile } from 'node:fs/promises';
// int8 graphs come from here: register the runtime's int8 kernels for the host.
import '../../runtime/int8-support.js';
import type { Encoding, Graph, Op, Quantization, Requantize, Value } from '../../ir/types.js';
import { builtinName, OP } from './opcodes.js';
import {
  addActivation,
  ACTIVATIONS,
  convOptions,
  depthwiseOptions,
  fullyConnectedOptions,
  poolOptions,
  softmaxBeta,
  type WindowOptions,
} from './options.js';
import {
  readTflite,
  TENSOR_TYPES,
  TYPE_FLOAT32,
  TYPE_INT32,
  TYPE_INT8,
  type TfliteModel,
  type TfliteOperator,
  type TfliteTensor,
} from './schema.js';

export interface TfliteImportOptions {
  /** Name stored in the metadata; defaults to the file name. */
  name?: string;
  labels?: string[];
  /** Requantisation of int8 ops (see Requantize); default 'fixed-point'. */
  requantize?: Requantize;
}

export class TfliteImportError extends Error {}

/** The float range of each fused activation (NONE, RELU, RELU_N1_TO_1, RELU6). */
const CLIPS: [number, number][] = [
  [-Infinity, Infinity],
  [0, Infinity],
  [-1, 1],
  [0, 6],
];

export async function importTfliteFile(file: string, options: TfliteImportOptions = {}): Promise<Graph> {
  return importTflite(
    await readFile(file),
    { name: file.replace(/^.*[\\/]/, '').replace(/\.tflite$/, ''), ...options },
    file,
  );
}

export function importTflite(
  bytes: Uint8Array,
  options: TfliteImportOptions = {},
  file = 'model.tflite',
): Graph {
  const model = readTflite(bytes, file);
  return new Importer(model, file, options).run();
}

class Importer {
  private readonly g: TfliteModel['subgraphs'][number];
  private readonly values = new Map<number, Value>();
  private readonly tensorNames = new Map<string, number>();
  private readonly graph: Graph;
  /** TFLite tensor → the IR value that holds it (after absorbed QUANTIZE/DEQUANTIZE). */
  private readonly alias = new Map<number, number>();

  constructor(
    private readonly m: TfliteModel,
    private readonly file: string,
    private readonly options: TfliteImportOptions,
  ) {
    if (m.subgraphs.length !== 1)
      this.fail('', `has ${m.subgraphs.length} subgraphs; only single-subgraph models are supported`);
    this.g = m.subgraphs[0];
    this.graph = {
      inputs: [],
      outputs: [],
      values: [],
      tensors: [],
      ops: [],
      metadata: {
        name: options.name ?? 'tflite model',
        ...(m.description ? { description: m.description } : {}),
        ...(options.labels ? { labels: options.labels } : {}),
        extra: { source: 'tflite', schemaVersion: String(m.version) },
      },
    };
  }

  fail(where: string, problem: string): never {
    throw new TfliteImportError(`mote: ${this.file}${where ? ' ' + where : ''}: ${problem}`);
  }

  run(): Graph {
    const g = this.g;
    const ops = g.operators;
    // Graph boundaries: QUANTIZE right after an input, DEQUANTIZE right before an output.
    const skip = new Set<number>();
    for (const op of ops) {
      const code = this.code(op);
      const [i, o] = [op.inputs[0], op.outputs[0]];
      if (code === OP.QUANTIZE && g.inputs.includes(i) && this.tensor(i).type === TYPE_FLOAT32) {
        this.alias.set(i, o);
        skip.add(op.index);
      } else if (code === OP.DEQUANTIZE && g.outputs.includes(o) && this.tensor(o).type === TYPE_FLOAT32) {
        this.alias.set(o, i);
        skip.add(op.index);
      }
    }
    for (const i of g.inputs) this.graph.inputs.push(this.value(this.resolve(i), `input ${i}`));
    for (const op of ops) if (!skip.has(op.index)) this.operator(op);
    this.graph.outputs = g.outputs.map((o) => this.valueOf(this.resolve(o), `output ${o}`).name);
    if (this.graph.values.some((v) => v.quant) || this.graph.inputs.some((v) => v.quant))
      this.graph.requantize = this.options.requantize ?? 'fixed-point';
    return this.graph;
  }

  private resolve(t: number): number {
    return this.alias.get(t) ?? t;
  }

  private code(op: TfliteOperator): number {
    return this.m.operatorCodes[op.opcodeIndex].builtin;
  }

  private tensor(i: number): TfliteTensor {
    return this.g.tensors[i];
  }

  /** A unique IR name for a TFLite tensor. */
  private name(t: TfliteTensor): string {
    let name = t.name || `tensor${t.index}`;
    if (this.tensorNames.has(name) && this.tensorNames.get(name) !== t.index) name = `${name}#${t.index}`;
    this.tensorNames.set(name, t.index);
    return name;
  }

  /** The activation's shape without TFLite's batch dimension (which must be 1). */
  private shape(t: TfliteTensor, where: string): number[] {
    const s = t.shape.length >= 2 ? t.shape.slice(1) : t.shape.slice();
    if (t.shape.length >= 2 && t.shape[0] !== 1)
      this.fail(where, `batch size ${t.shape[0]} (only 1 is supported)`);
    if (s.length === 0) s.push(1);
    if (s.some((d) => d < 1)) this.fail(where, `tensor '${t.name}' has an empty shape [${t.shape}]`);
    return s;
  }

  private quant(t: TfliteTensor, where: string): Quantization | undefined {
    if (t.type === TYPE_FLOAT32) return undefined;
    if (t.type !== TYPE_INT8)
      this.fail(
        where,
        `tensor '${t.name}' is ${TENSOR_TYPES[t.type] ?? 'type ' + t.type}; activations must be float32 or int8`,
      );
    const q = t.quantization;
    if (!q || q.scale.length !== 1 || q.zeroPoint.length !== 1)
      this.fail(where, `int8 tensor '${t.name}' needs one scale and zero point`);
    if (!(q.scale[0] > 0 && q.scale[0] < Infinity) || q.zeroPoint[0] < -128 || q.zeroPoint[0] > 127)
      this.fail(where, `int8 tensor '${t.name}' has scale ${q.scale[0]} and zero point ${q.zeroPoint[0]}`);
    return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] };
  }

  /** Declares the IR value for activation tensor `i` (a graph input or an op output). */
  private value(i: number, where: string): Value {
    const t = this.tensor(i);
    if (this.m.buffers[t.buffer].length)
      this.fail(where, `tensor '${t.name}' is a constant where an activation is expected`);
    const quant = this.quant(t, where);
    const v: Value = { name: this.name(t), shape: this.shape(t, where), ...(quant ? { quant } : {}) };
    this.values.set(i, v);
    return v;
  }

  private valueOf(i: number | undefined, where: string): Value {
    if (i === undefined || i < 0) this.fail(where, 'an input is missing');
    const v = this.values.get(this.resolve(i));
    if (!v) this.fail(where, `tensor ${i} '${this.tensor(i).name}' is read before any op writes it`);
    return v;
  }

  /** Emits `op`, declaring its output value. */
  private emit(op: Op, out: Value): void {
    this.graph.ops.push(op);
    this.graph.values.push(out);
  }

  /** A constant tensor, its data read from its buffer as its type says. */
  private constant(
    i: number | undefined,
    where: string,
    role: string,
    transform?: (t: TfliteTensor) => ConstData,
  ): string {
    if (i === undefined || i < 0) this.fail(where, `${role} is missing`);
    const t = this.tensor(i);
    const data = this.m.buffers[t.buffer];
    if (!data.length)
      this.fail(where, `${role} '${t.name}' has no data (only constant ${role}s are supported)`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    const width = t.type === TYPE_INT8 ? 1 : t.type === TYPE_FLOAT32 || t.type === TYPE_INT32 ? 4 : 0;
    if (!width)
      this.fail(
        where,
        `${role} '${t.name}' is ${TENSOR_TYPES[t.type] ?? 'type ' + t.type}, not float32, int8 or int32`,
      );
    if (data.length !== n * width)
      this.fail(where, `${role} '${t.name}' has ${data.length} bytes of data for shape [${t.shape}]`);
    const copy = new Uint8Array(data);
    const raw: ConstData = {
      shape: t.shape.slice(),
      values:
        t.type === TYPE_INT8
          ? new Int8Array(copy.buffer)
          : t.type === TYPE_INT32
            ? new Int32Array(copy.buffer)
            : new Float32Array(copy.buffer),
      axis: t.quantization?.axis ?? 0,
    };
    const c = transform ? transform(t) : raw;
    if (transform) Object.assign(c, { values: transformValues(raw, c) });
    const name = this.name(t);
    this.graph.tensors.push({ name, shape: c.shape, encoding: this.encoding(t, c, where, role) });
    return name;
  }

  private encoding(t: TfliteTensor, c: ConstData, where: string, role: string): Encoding {
    if (c.values instanceof Float32Array) return { kind: 'float32', data: c.values };
    const q = t.quantization;
    if (!q || q.scale.length === 0)
      this.fail(where, `${role} '${t.name}' is integer but has no quantization scale`);
    if (q.details) this.fail(where, `${role} '${t.name}' uses a custom quantization scheme`);
    const channels = q.scale.length;
    if (q.scale.some((x) => !(x > 0 && x < Infinity)))
      this.fail(where, `${role} '${t.name}' has a scale that is not a positive number`);
    // A rank-1 tensor's channels are its only axis, whatever quantized_dimension says
    // (person_detect's biases carry the filter's dimension, 3).
    const axis = channels === 1 ? -1 : c.shape.length === 1 ? 0 : c.axis;
    if (axis >= 0 && c.shape[axis] !== channels)
      this.fail(
        where,
        `${role} '${t.name}' has ${channels} scales for ${c.shape[axis]} channels on axis ${axis}`,
      );
    const zps =
      q.zeroPoint.length === channels
        ? q.zeroPoint
        : q.zeroPoint.length === 1 || !q.zeroPoint.length
          ? new Array(channels).fill(q.zeroPoint[0] ?? 0)
          : null;
    if (!zps)
      this.fail(where, `${role} '${t.name}' has ${q.zeroPoint.length} zero points for ${channels} scales`);
    if (c.values instanceof Int32Array)
      return { kind: 'int32', axis, scale: Float32Array.from(q.scale), values: c.values };
    if (zps.some((z) => z < -128 || z > 127))
      this.fail(where, `${role} '${t.name}' has a zero point outside int8`);
    return {
      kind: 'int8',
      axis,
      scale: Float32Array.from(q.scale),
      zeroPoint: Int8Array.from(zps),
      values: c.values,
    };
  }

  /** A float clip after `op` for a fused activation, through an intermediate value. */
  private withActivation(act: number, out: Value, where: string, make: (target: Value) => void): void {
    if (act >= CLIPS.length) this.fail(where, `fused activation ${ACTIVATIONS[act] ?? act} is not supported`);
    if (act === 0) return make(out);
    const mid: Value = { ...out, name: `${out.name}:linear` };
    make(mid);
    const [lo, hi] = CLIPS[act];
    this.emit(
      act === 1
        ? { op: 'relu', input: mid.name, output: out.name }
        : { op: 'clip', input: mid.name, output: out.name, min: lo, max: hi },
      out,
    );
  }

  private operator(op: TfliteOperator): void {
    const code = this.code(op);
    const opname = builtinName(code);
    const where = `operator ${op.index} (${opname})`;
    const oc = this.m.operatorCodes[op.opcodeIndex];
    if (oc.custom !== null) this.fail(where, `unsupported custom op '${oc.custom}'`);
    if (op.outputs.length !== 1) this.fail(where, `has ${op.outputs.length} outputs, expected 1`);
    const fb = this.m.fb;
    const input = () => this.valueOf(op.inputs[0], where);
    const out = (): Value => this.value(op.outputs[0], where);
    switch (code) {
      case OP.FULLY_CONNECTED: {
        const o = fullyConnectedOptions(fb, op.options);
        if (o.weightsFormat !== 0) this.fail(where, 'shuffled weights are not supported');
        const x = input();
        const weight = this.constant(op.inputs[1], where, 'weight');
        const bias =
          op.inputs.length > 2 && op.inputs[2] >= 0 ? this.constant(op.inputs[2], where, 'bias') : undefined;
        const y = out();
        return this.withActivation(o.activation, y, where, (t) =>
          this.emit({ op: 'dense', input: x.name, output: t.name, weight, ...(bias ? { bias } : {}) }, t),
        );
      }
      case OP.CONV_2D:
      case OP.DEPTHWISE_CONV_2D: {
        const dw = code === OP.DEPTHWISE_CONV_2D;
        if (!op.options) this.fail(where, 'has no options');
        const o = dw ? depthwiseOptions(fb, op.options) : convOptions(fb, op.options);
        const x = input();
        const weight = this.constant(op.inputs[1], where, 'weight', dw ? depthwiseToRows : undefined);
        const wShape = this.graph.tensors[this.graph.tensors.length - 1].shape;
        const bias =
          op.inputs.length > 2 && op.inputs[2] >= 0 ? this.constant(op.inputs[2], where, 'bias') : undefined;
        const y = out();
        if (x.shape.length !== 3 || y.shape.length !== 3)
          this.fail(where, 'input and output must be [1, H, W, C]');
        const groups = dw ? x.shape[2] : x.shape[2] / wShape[3];
        if (!Number.isInteger(groups))
          this.fail(where, `filter depth ${wShape[3]} does not divide ${x.shape[2]} channels`);
        const act = o.activation;
        if (act >= CLIPS.length)
          this.fail(where, `fused activation ${ACTIVATIONS[act] ?? act} is not supported`);
        const [ph, pw] = this.pads(o, x.shape, y.shape, wShape[1], wShape[2], where);
        return this.emit(
          {
            op: 'conv2d',
            input: x.name,
            output: y.name,
            weight,
            ...(bias ? { bias } : {}),
            strides: [o.strideH, o.strideW],
            pads: [ph[0], pw[0], ph[1], pw[1]],
            dilations: [o.dilationH, o.dilationW],
            groups,
            ...(act ? { clip: CLIPS[act] } : {}),
          },
          y,
        );
      }
      case OP.AVERAGE_POOL_2D:
      case OP.MAX_POOL_2D: {
        if (!op.options) this.fail(where, 'has no options');
        const o = poolOptions(fb, op.options);
        const x = input();
        const y = out();
        if (x.shape.length !== 3 || y.shape.length !== 3)
          this.fail(where, 'input and output must be [1, H, W, C]');
        const [ph, pw] = this.pads(o, x.shape, y.shape, o.filterH, o.filterW, where);
        return this.withActivation(o.activation, y, where, (t) =>
          this.emit(
            {
              op: code === OP.MAX_POOL_2D ? 'maxpool' : 'avgpool',
              input: x.name,
              output: t.name,
              kernel: [o.filterH, o.filterW],
              strides: [o.strideH, o.strideW],
              pads: [ph[0], pw[0], ph[1], pw[1]],
              dilations: [1, 1],
            },
            t,
          ),
        );
      }
      case OP.RESHAPE: {
        const x = input();
        const y = out();
        return this.emit({ op: 'reshape', input: x.name, output: y.name, shape: y.shape }, y);
      }
      case OP.SOFTMAX: {
        const beta = softmaxBeta(fb, op.options);
        if (beta !== 1) this.fail(where, `softmax beta ${beta} is not supported (only 1)`);
        const x = input();
        const y = out();
        return this.emit({ op: 'softmax', input: x.name, output: y.name }, y);
      }
      case OP.RELU:
      case OP.RELU6: {
        const x = input();
        const y = out();
        return this.emit(
          code === OP.RELU
            ? { op: 'relu', input: x.name, output: y.name }
            : { op: 'clip', input: x.name, output: y.name, min: 0, max: 6 },
          y,
        );
      }
      case OP.ADD: {
        const x = input();
        const act = addActivation(fb, op.options);
        const second = op.inputs[1];
        const isConst = second >= 0 && this.m.buffers[this.tensor(second).buffer].length > 0;
        const other = isConst
          ? { constant: this.constant(second, where, 'operand') }
          : { other: this.valueOf(second, where).name };
        const y = out();
        return this.withActivation(act, y, where, (t) =>
          this.emit({ op: 'add', input: x.name, output: t.name, ...other }, t),
        );
      }
      default:
        this.fail(where, `unsupported op ${opname}`);
    }
  }

  /** TFLite's SAME/VALID padding as [before, after] per spatial axis, checked against the output size. */
  private pads(
    o: WindowOptions,
    inS: number[],
    outS: number[],
    kh: number,
    kw: number,
    where: string,
  ): [number, number][] {
    const one = (n: number, k: number, s: number, d: number, out: number): [number, number] => {
      if (s < 1 || d < 1 || k < 1) this.fail(where, `bad window: kernel ${k}, stride ${s}, dilation ${d}`);
      const eff = (k - 1) * d + 1;
      const expect = o.same ? Math.ceil(n / s) : Math.floor((n - eff) / s) + 1;
      if (expect !== out)
        this.fail(
          where,
          `output size ${out} does not match ${o.same ? 'SAME' : 'VALID'} padding (${expect})`,
        );
      const total = Math.max(0, (out - 1) * s + eff - n);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    return [
      one(inS[0], kh, o.strideH, o.dilationH, outS[0]),
      one(inS[1], kw, o.strideW, o.dilationW, outS[1]),
    ];
  }
}

interface ConstData {
  shape: number[];
  values: Float32Array | Int8Array | Int32Array;
  axis: number;
  /** For a transform: where each new element comes from in the original data. */
  from?: Int32Array;
}

/** Depthwise filter [1, kH, kW, C] → [C, kH, kW, 1]: one output channel per row, as the runtime streams it. */
function depthwiseToRows(t: TfliteTensor): ConstData {
  const [one, kh, kw, c] = t.shape;
  if (t.shape.length !== 4 || one !== 1)
    throw new TfliteImportError(`depthwise filter '${t.name}' must be [1, kH, kW, C], not [${t.shape}]`);
  const from = new Int32Array(kh * kw * c);
  for (let k = 0; k < kh * kw; k++) for (let ch = 0; ch < c; ch++) from[ch * kh * kw + k] = k * c + ch;
  return {
    shape: [c, kh, kw, 1],
    values: new Float32Array(0),
    axis: t.quantization?.axis === 3 ? 0 : -1,
    from,
  };
}

function transformValues(raw: ConstData, c: ConstData): Float32Array | Int8Array | Int32Array {
  const from = c.from!;
  const out = new (
    raw.values.constructor as Float32ArrayConstructor | Int8ArrayConstructor | Int32ArrayConstructor
  )(from.length);
  for (let i = 0; i < from.length; i++) out[i] = raw.values[from[i]];
  return out;
}

/** True when the bytes carry the TFLite file identifier. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]) === 'TFL3';
}
