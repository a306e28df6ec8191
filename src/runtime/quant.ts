// int8 graphs. The QUAN section says which values are int8 (with scale and zero point)
// and how ops requantize; this file checks that every op touching an int8 value is one
// the int8 kernels run (and well-formed for them), prepares each op's integer
// parameters once at load (TFLite's Prepare), and runs them.
import { fail } from './errors.js';
import { cursor, f32, i16, u16, u8 } from './cursor.js';
import { Sections } from './container.js';
import { CODING_FIXED, KIND_INT32, KIND_INT8, KIND_INT8_STREAM, TensorInfo } from './tensors.js';
import { readRun, rewind, SymbolReader, symbolReader } from './symbols.js';
import {
  GraphInfo,
  NO_TENSOR,
  OP_ADD,
  OP_AVGPOOL,
  OP_CLIP,
  OP_CONV2D,
  OP_DENSE,
  OP_MAXPOOL,
  OP_NAMES,
  OP_RELU,
  OP_RESHAPE,
  OP_SOFTMAX,
} from './graph.js';
import { convShape, ConvShape } from './conv.js';
import {
  addInt8,
  addParams,
  AddParams,
  clampInt8,
  clampRange,
  convInt8Channel,
  convMultipliers,
  denseRowInt8,
  floatScales,
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

/** Per int8 op, what its kernel needs; null for float ops. */
export interface QuantPlan {
  q: QuantOp | null;
  /** dense/conv: the int8 weights (in the file, or decoded at load), or null when streamed. */
  w: Int8Array | null;
  /** Streamed (int8-stream) weights: the reader and a one-row buffer, its bytes viewed as symbols. */
  reader: SymbolReader | null;
  row: Int8Array | null;
  rowBytes: Uint8Array | null;
  add: AddParams | null;
  softmax: SoftmaxParams | null;
  conv: ConvShape | null;
}

/** Reads QUAN (absent: an all-float graph, null) and checks every op against it. */
export function readQuant(
  bytes: Uint8Array,
  s: Sections,
  g: GraphInfo,
  tensors: TensorInfo[],
): QuantInfo | null {
  if (s.start.QUAN === undefined) return null;
  var c = cursor(bytes, s.start.QUAN, s.end.QUAN, 'section QUAN');
  var info: QuantInfo = { mode: u8(c, 'requantize mode'), isQ: [], scale: [], zero: [] };
  if (info.mode >= REQUANT_MODES.length) fail(c.where, c.pos - 1, 'unknown requantize mode ' + info.mode);
  var n = u16(c, 'value count');
  var nv = g.values.length;
  if (n * 8 > c.end - c.pos) fail(c.where, c.pos - 2, n + ' values exceed the section');
  for (var i = 0; i < n; i++) {
    var at = c.pos;
    var v = u16(c, 'value');
    var scale = f32(c, 'scale');
    var zero = i16(c, 'zero point');
    if (v >= nv || info.isQ[v]) fail(c.where, at, 'value ' + v + ' is out of range or listed twice');
    if (!(scale > 0 && scale < Infinity)) fail(c.where, at + 2, 'scale ' + scale + ' is not positive');
    if (zero < -128 || zero > 127) fail(c.where, at + 6, 'zero point ' + zero + ' is not an int8');
    info.isQ[v] = true;
    info.scale[v] = scale;
    info.zero[v] = zero;
  }
  if (c.pos !== c.end) fail(c.where, c.pos, 'unexpected bytes after the values');
  for (i = 0; i < g.ops.length; i++) {
    var problem = checkInt8Op(g, tensors, info, i);
    if (problem)
      fail('section QUAN', s.start.QUAN, 'op ' + i + ' (' + OP_NAMES[g.ops[i].code] + '): ' + problem);
  }
  return info;
}

function sameQ(q: QuantInfo, a: number, b: number): boolean {
  return q.scale[a] === q.scale[b] && q.zero[a] === q.zero[b];
}

/** Why op `o` cannot run on its int8 values, or '' when it can (or is all float). */
function checkInt8Op(g: GraphInfo, tensors: TensorInfo[], q: QuantInfo, o: number): string {
  var op = g.ops[o];
  var n = 0;
  for (var k = 0; k < op.inputs.length; k++) if (q.isQ[op.inputs[k]]) n++;
  if (q.isQ[op.output]) n++;
  if (n === 0) return '';
  if (n !== op.inputs.length + 1) return 'mixes int8 and float values';
  var code = op.code;
  var x = op.input;
  var y = op.output;
  if (code === OP_DENSE || code === OP_CONV2D) {
    var w = tensors[op.weight];
    if (w.kind !== KIND_INT8 && w.kind !== KIND_INT8_STREAM)
      return "int8 ops need int8 weights, '" + w.name + "' is not";
    if (w.axis > 0) return "weight '" + w.name + "' must be quantized per tensor or along axis 0";
    for (k = 0; k < w.zero!.length; k++)
      if (w.zero![k] !== 0 && (code === OP_CONV2D || w.axis === 0))
        return 'per-channel weights must be symmetric';
    var b = op.bias === NO_TENSOR ? null : tensors[op.bias];
    if (b && b.kind !== KIND_INT32) return "the bias of an int8 op must be int32, '" + b.name + "' is not";
    return '';
  }
  if (code === OP_MAXPOOL || code === OP_AVGPOOL) {
    if (!sameQ(q, x, y)) return 'input and output must share scale and zero point';
    if (op.p[8] !== 1 || op.p[9] !== 1 || op.p[10] !== 0)
      return 'int8 pools take no dilation or count_include_pad';
    return '';
  }
  if (code === OP_RESHAPE || code === OP_RELU || code === OP_CLIP)
    return sameQ(q, x, y) ? '' : 'input and output must share scale and zero point';
  if (code === OP_SOFTMAX)
    return q.scale[y] === 1 / 256 && q.zero[y] === -128
      ? ''
      : 'int8 softmax output must have scale 1/256, zero point -128';
  if (code === OP_ADD) {
    if (op.inputs.length !== 2) return 'int8 add takes two values';
    var a1 = g.values[op.inputs[0]].size;
    if (a1 !== g.values[op.inputs[1]].size || a1 !== g.values[y].size)
      return 'int8 add takes operands of one shape';
    return '';
  }
  return 'no int8 kernel';
}

/** Row length of an int8 op's weights (dense: inputs; conv: kH·kW·inC/groups). */
function rowOf(t: TensorInfo): number {
  return t.size / t.shape[0];
}

/**
 * Bytes the int8 ops allocate for weights: int8-stream weights decoded whole (cache) or
 * one shared row at a time (stream), plus raw weights the engine had to copy.
 */
export function quantMemory(
  g: GraphInfo,
  tensors: TensorInfo[],
  q: QuantInfo,
  cache: boolean,
  bytes: Uint8Array,
): number {
  var total = 0;
  var row = 0;
  for (var o = 0; o < g.ops.length; o++) {
    var op = g.ops[o];
    if (!q.isQ[op.output] || (op.code !== OP_DENSE && op.code !== OP_CONV2D)) continue;
    var t = tensors[op.weight];
    if (t.kind === KIND_INT8_STREAM) {
      if (cache) total += t.size;
      else row = Math.max(row, rowOf(t));
    } else if (t.q!.buffer !== bytes.buffer) total += t.size;
    var b = op.bias === NO_TENSOR ? null : tensors[op.bias];
    if (b && b.ints!.buffer !== bytes.buffer) total += b.size * 4;
  }
  return total + row;
}

/** Each op's integer parameters (TFLite's Prepare), computed once at load. */
export function prepareQuant(
  g: GraphInfo,
  tensors: TensorInfo[],
  q: QuantInfo,
  cache: boolean,
  bytes: Uint8Array,
): QuantPlan[] {
  var plans: QuantPlan[] = [];
  var rowLen = 0;
  for (var k = 0; k < g.ops.length; k++) {
    var wt = tensors[g.ops[k].weight];
    if (q.isQ[g.ops[k].output] && wt && wt.kind === KIND_INT8_STREAM && !cache)
      rowLen = Math.max(rowLen, rowOf(wt));
  }
  // One row buffer shared by every streamed op: its bytes take the symbols, its int8 view the values.
  var row = new Int8Array(rowLen);
  var rowBytes = new Uint8Array(row.buffer);
  for (var o = 0; o < g.ops.length; o++) {
    var op = g.ops[o];
    var x = op.input;
    var y = op.output;
    var p: QuantPlan = {
      q: null,
      w: null,
      reader: null,
      row: null,
      rowBytes: null,
      add: null,
      softmax: null,
      conv: null,
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
    var code = op.code;
    if (code === OP_DENSE || code === OP_CONV2D) {
      var wt2 = tensors[op.weight];
      var ws = wt2.scale!;
      p.w = wt2.q;
      if (wt2.kind === KIND_INT8_STREAM) {
        var st = wt2.index!;
        p.reader = symbolReader(
          bytes,
          st.start,
          st.end,
          st.coding === CODING_FIXED ? null : st.table,
          st.width,
          "tensor '" + wt2.name + "' values",
        );
        if (cache) {
          p.w = new Int8Array(wt2.size);
          readRun(p.reader, new Uint8Array(p.w.buffer), wt2.size, null);
          p.reader = null;
        } else {
          p.row = row;
          p.rowBytes = rowBytes;
        }
      }
      qo.mult = convMultipliers(q.scale[x], ws, q.scale[y]);
      if (q.mode === 1) qo.fscale = floatScales(q.scale[x], ws, q.scale[y]);
      if (code === OP_CONV2D) {
        clampRange(qo, op.p[9], op.p[10], q.scale[y]);
        p.conv = convShape(g.values[x].shape, g.values[y].shape, tensors[op.weight].shape, op.p);
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
  if (r) rewind(r);
  if (code === OP_DENSE) {
    var w = tensors[op.weight];
    var wZp = w.axis < 0 ? w.zero![0] : 0;
    var inN = x.length;
    for (var o = 0; o < n; o++) {
      if (r) readRun(r, plan.rowBytes!, inN, null);
      out[o] = denseRowInt8(x, r ? plan.row! : plan.w!, r ? 0 : o * inN, wZp, bias ? bias[o] : 0, inN, q, o);
    }
  } else if (code === OP_CONV2D) {
    var c = plan.conv!;
    var rowLen = c.kh * c.kw * c.icg;
    for (var oc = 0; oc < c.oc; oc++) {
      if (r) readRun(r, plan.rowBytes!, rowLen, null);
      convInt8Channel(x, r ? plan.row! : plan.w!, r ? 0 : oc * rowLen, bias ? bias[oc] : 0, out, oc, c, q);
    }
  } else if (code === OP_MAXPOOL || code === OP_AVGPOOL) {
    poolInt8(x, g.values[op.input].shape, out, g.values[op.output].shape, op.p, code === OP_MAXPOOL, q);
  } else if (code === OP_RELU || code === OP_CLIP) {
    clampInt8(x, out, n, q);
  } else if (code === OP_SOFTMAX) {
    var shape = g.values[op.output].shape;
    softmaxInt8(x, out, n, shape.length ? shape[shape.length - 1] : 1, plan.softmax!);
  } else if (code === OP_ADD) {
    var b = bufs[op.inputs[1]]!;
    addInt8(x, b, b.length, out, n, plan.add!);
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
  var raw = x instanceof Int8Array;
  for (var i = 0; i < out.length; i++) {
    var v = +x[i];
    if (v !== v) fail('input', i, "input '" + name + "' holds a value that is not a number");
    if (!raw) v = quantizeValue(v, scale, zero);
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

/** int8 → float: scale × (q − zero). */
export function dequantize(x: Int8Array, scale: number, zero: number): Float32Array {
  var out = new Float32Array(x.length);
  for (var i = 0; i < x.length; i++) out[i] = scale * (x[i] - zero);
  return out;
}
