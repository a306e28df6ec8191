// int8 graphs. The QUAN section says which values are int8 (with scale and zero point)
// and how ops requantize; this file checks that every op touching an int8 value is one
// the int8 kernels run, prepares each op's integer parameters once at load (TFLite's
// Prepare), and runs them. Kept compact: it ships in the one runtime bundle.
import { fail } from './errors.js';
import { cursor, f32, i16, u16, u8 } from './cursor.js';
import { Sections } from './container.js';
import { CODING_FIXED, KIND_INT32, KIND_INT8, KIND_INT8_STREAM, TensorInfo } from './tensors.js';
import { readRun, rewind, SymbolReader, symbolReader } from './symbols.js';
import type { GraphInfo } from './graph.js';
import {
  NO_TENSOR,
  OP_ADD,
  OP_AVGPOOL,
  OP_CLIP,
  OP_CONV2D,
  OP_DENSE,
  OP_MAXPOOL,
  OP_RELU,
  OP_RESHAPE,
  OP_SOFTMAX,
} from './ops.js';
import { opName } from './registry.js';
import { convShape, ConvShape } from './conv.js';
import {
  addInt8,
  addParams,
  AddParams,
  clampInt8,
  clampRange,
  convInt8Channel,
  denseRowInt8,
  setScales,
  poolInt8,
  quantizeValue,
  QuantOp,
  softmaxInt8,
  softmaxParams,
  SoftmaxParams,
} from './int8.js';

export var REQUANT_MODES = ['fixed-point', 'float32'];

export interface QuantInfo {
  /** Index into REQUANT_MODES. */
  mode: number;
  /** Per value: int8 or not, and its scale and zero point. */
  isQ: boolean[];
  scale: number[];
  zero: number[];
}

/** Per op, what its int8 kernel needs (all null for float ops). */
export interface QuantPlan {
  q: QuantOp | null;
  /** dense/conv: raw int8 weights (viewed in the file), or null when int8-stream. */
  w: Int8Array | null;
  /** int8-stream weights: decoded one row per run into `row` (whose bytes take the symbols). */
  reader: SymbolReader | null;
  row: Int8Array | null;
  bytes: Uint8Array | null;
  conv: ConvShape | null;
  add: AddParams | null;
  softmax: SoftmaxParams | null;
}

/** Reads QUAN (absent: an all-float graph, null) and checks every op against it. */
export function readQuant(
  bytes: Uint8Array,
  s: Sections,
  g: GraphInfo,
  tensors: TensorInfo[],
): QuantInfo | null {
  var at = s.start.QUAN;
  if (at === undefined) return null;
  var c = cursor(bytes, at, s.end.QUAN, 'section QUAN');
  var info: QuantInfo = { mode: u8(c, 'requantize mode'), isQ: [], scale: [], zero: [] };
  if (info.mode > 1) fail(c.where, at, 'unknown requantize mode ' + info.mode);
  var n = u16(c, 'value count');
  if (n * 8 > c.end - c.pos) fail(c.where, at + 1, n + ' values exceed the section');
  for (var i = 0; i < n; i++) {
    var v = u16(c, 'value');
    var scale = f32(c, 'scale');
    var zero = i16(c, 'zero point');
    if (v >= g.values.length || info.isQ[v] || !(scale > 0 && scale < Infinity) || zero < -128 || zero > 127)
      fail(c.where, c.pos - 8, 'entry ' + i + ': value ' + v + ', scale ' + scale + ', zero point ' + zero);
    info.isQ[v] = true;
    info.scale[v] = scale;
    info.zero[v] = zero;
  }
  if (c.pos !== c.end) fail(c.where, c.pos, 'unexpected bytes after the values');
  for (i = 0; i < g.ops.length; i++) {
    var problem = checkInt8Op(g, tensors, info, i);
    if (problem) fail(c.where, at, 'op ' + i + ' (' + opName(g.ops[i].code) + '): ' + problem);
  }
  return info;
}

/** Why op `o` cannot run on its int8 values, or '' when it can (or is all float). */
function checkInt8Op(g: GraphInfo, tensors: TensorInfo[], q: QuantInfo, o: number): string {
  var op = g.ops[o];
  var code = op.code;
  var x = op.input;
  var y = op.output;
  var n = q.isQ[y] ? 1 : 0;
  for (var k = 0; k < op.inputs.length; k++) if (q.isQ[op.inputs[k]]) n++;
  if (!n) return '';
  if (n !== op.inputs.length + 1) return 'mixes int8 and float values';
  var one =
    q.scale[x] === q.scale[y] && q.zero[x] === q.zero[y] ? '' : 'input and output quantization differ';
  if (code === OP_DENSE || code === OP_CONV2D) {
    var w = tensors[op.weight];
    var b = tensors[op.bias];
    if ((w.kind !== KIND_INT8 && w.kind !== KIND_INT8_STREAM) || w.axis > 0)
      return 'weights must be int8, per tensor or per output channel';
    for (k = 0; k < w.zero!.length; k++)
      if (w.zero![k] && (w.axis === 0 || code === OP_CONV2D)) return 'per-channel weights must be symmetric';
    return b && b.kind !== KIND_INT32 ? 'bias must be int32' : '';
  }
  if (code === OP_MAXPOOL || code === OP_AVGPOOL)
    return op.p[8] === 1 && op.p[9] === 1 && !op.p[10] ? one : 'no dilation or count_include_pad in int8';
  if (code === OP_RESHAPE || code === OP_RELU || code === OP_CLIP) return one;
  if (code === OP_SOFTMAX)
    return q.scale[y] === 1 / 256 && q.zero[y] === -128 ? '' : 'output must be scale 1/256, zero -128';
  if (code === OP_ADD)
    return op.inputs.length === 2 &&
      g.values[x].size === g.values[y].size &&
      g.values[op.inputs[1]].size === g.values[y].size
      ? ''
      : 'needs two values of one shape';
  return 'no int8 kernel';
}

/** Bytes the int8 ops allocate: one row for int8-stream weights (raw int8 stays in the file). */
export function quantMemory(g: GraphInfo, tensors: TensorInfo[], q: QuantInfo): number {
  var row = 0;
  for (var o = 0; o < g.ops.length; o++) {
    var t = tensors[g.ops[o].weight];
    if (q.isQ[g.ops[o].output] && t && t.kind === KIND_INT8_STREAM) row = Math.max(row, t.size / t.shape[0]);
  }
  return row;
}

/** Each op's integer parameters (TFLite's Prepare), computed once at load. */
export function prepareQuant(
  g: GraphInfo,
  tensors: TensorInfo[],
  q: QuantInfo,
  bytes: Uint8Array,
): QuantPlan[] {
  var plans: QuantPlan[] = [];
  // One row buffer, shared by every op with int8-stream weights.
  var row = new Int8Array(quantMemory(g, tensors, q));
  var rowBytes = new Uint8Array(row.buffer);
  for (var o = 0; o < g.ops.length; o++) {
    var op = g.ops[o];
    var x = op.input;
    var y = op.output;
    var code = op.code;
    var p: QuantPlan = {
      q: null,
      w: null,
      reader: null,
      row: null,
      bytes: null,
      conv: null,
      add: null,
      softmax: null,
    };
    plans.push(p);
    if (!q.isQ[y]) continue;
    var qo: QuantOp = {
      inZp: q.zero[x],
      outZp: q.zero[y],
      mult: new Int32Array(2),
      fscale: null,
      qmin: -128,
      qmax: 127,
    };
    p.q = qo;
    if (code === OP_DENSE || code === OP_CONV2D) {
      var t = tensors[op.weight];
      setScales(qo, q.scale[x], t.scale!, q.scale[y], q.mode > 0, "tensor '" + t.name + "'", t.start + 4);
      p.w = t.q;
      if (t.kind === KIND_INT8_STREAM) {
        var st = t.index!;
        p.reader = symbolReader(
          bytes,
          st.start,
          st.end,
          st.coding === CODING_FIXED ? null : st.table,
          st.width,
          t.name,
        );
        p.row = row;
        p.bytes = rowBytes;
      }
      if (code === OP_CONV2D) {
        clampRange(qo, op.p[9], op.p[10], q.scale[y]);
        p.conv = convShape(g.values[x].shape, g.values[y].shape, t.shape, op.p);
      }
    } else if (code === OP_RELU) clampRange(qo, 0, Infinity, q.scale[y]);
    else if (code === OP_CLIP) clampRange(qo, op.p[0], op.p[1], q.scale[y]);
    else if (code === OP_SOFTMAX) p.softmax = softmaxParams(1, q.scale[x]);
    else if (code === OP_ADD) {
      var x2 = op.inputs[1];
      p.add = addParams(q.scale[x], q.zero[x], q.scale[x2], q.zero[x2], q.scale[y], q.zero[y]);
    }
  }
  return plans;
}

/** Runs int8 op `o`; `bufs` holds each int8 value's buffer. */
export function runInt8(
  g: GraphInfo,
  tensors: TensorInfo[],
  plan: QuantPlan,
  o: number,
  bufs: (Int8Array | null)[],
): void {
  var op = g.ops[o];
  var code = op.code;
  var x = bufs[op.input]!;
  var out = bufs[op.output]!;
  var q = plan.q!;
  var n = out.length;
  var bias = op.bias === NO_TENSOR ? null : tensors[op.bias].ints;
  var r = plan.reader;
  var row = plan.row!;
  var len = code === OP_DENSE ? x.length : plan.conv ? plan.conv.kh * plan.conv.kw * plan.conv.icg : 0;
  if (r) rewind(r);
  if (code === OP_DENSE || code === OP_CONV2D) {
    var wZp = tensors[op.weight].axis < 0 ? tensors[op.weight].zero![0] : 0;
    var oc = code === OP_DENSE ? n : plan.conv!.oc;
    for (var c = 0; c < oc; c++) {
      // A streamed row's symbols are its values' bytes.
      if (r) readRun(r, plan.bytes!, len, null);
      var w = r ? row : plan.w!;
      var at = r ? 0 : c * len;
      var b = bias ? bias[c] : 0;
      if (code === OP_DENSE) out[c] = denseRowInt8(x, w, at, wZp, b, len, q, c);
      else convInt8Channel(x, w, at, b, out, c, plan.conv!, q);
    }
  } else if (code === OP_MAXPOOL || code === OP_AVGPOOL) {
    poolInt8(x, g.values[op.input].shape, out, g.values[op.output].shape, op.p, code === OP_MAXPOOL, q);
  } else if (code === OP_RELU || code === OP_CLIP) {
    clampInt8(x, out, n, q);
  } else if (code === OP_SOFTMAX) {
    var shape = g.values[op.output].shape;
    softmaxInt8(x, out, n, shape[shape.length - 1], plan.softmax!);
  } else if (code === OP_ADD) {
    addInt8(x, bufs[op.inputs[1]]!, out, n, plan.add!);
  }
  // Reshape shares its input's buffer: nothing to do.
}

/** Fills an int8 input: an Int8Array is taken as already quantized, anything else is quantized. */
export function quantizeInput(
  x: ArrayLike<number>,
  out: Int8Array,
  scale: number,
  zero: number,
  name: string,
): void {
  for (var i = 0; i < out.length; i++) {
    var v = +x[i];
    if (v !== v) fail('input', i, "input '" + name + "' holds a value that is not a number");
    if (!(x instanceof Int8Array)) v = quantizeValue(v, scale, zero);
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

/** int8 → float: scale × (q − zero). */
export function dequantize(x: Int8Array, scale: number, zero: number): Float32Array {
  var out = new Float32Array(x.length);
  for (var i = 0; i < x.length; i++) out[i] = scale * (x[i] - zero);
  return out;
}
