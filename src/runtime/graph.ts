// The GRPH section: values (activations), graph inputs/outputs and ops, checked for
// topological order and for shapes that agree with their weights (each op's rules are its registration, op/*.ts).
import { fail } from './errors.js';
import { Cursor, cursor, f32, str, u16, u8 } from './cursor.js';
import { readShape, TensorInfo } from './tensors.js';
import { Sections } from './container.js';
import { checkTables } from './memory-check.js';
import { NO_TENSOR } from './ops.js';
import { OPS, opName } from './registry.js';

/** Most inputs one op may have (concat). */
var MAX_INPUTS = 64;

export interface ValueInfo {
  name: string;
  shape: number[];
  size: number;
}

export interface OpInfo {
  code: number;
  /** The first input (every op has one), and all of them in order. */
  input: number;
  inputs: number[];
  output: number;
  /** The op's first and second tensor attributes (dense/conv: weight and bias; add/mul: constant; prelu: slope), NO_TENSOR when absent. */
  weight: number;
  bias: number;
  /** The i and f attributes in order (see registry.ts OpKernel.attrs), and the L attribute. */
  p: number[];
  list: number[];
  /** Per-input strides aligned to the output (broadcast ops, transpose). */
  strides: number[][];
  /** Multiply-accumulates per inference. */
  macs: number;
}

export interface GraphInfo {
  values: ValueInfo[];
  inputs: number[];
  outputs: number[];
  ops: OpInfo[];
}

export function readGraph(bytes: Uint8Array, s: Sections, tensors: TensorInfo[]): GraphInfo {
  var c = cursor(bytes, s.start.GRPH, s.end.GRPH, 'section GRPH');
  var g: GraphInfo = { values: [], inputs: [], outputs: [], ops: [] };
  var nv = u16(c, 'value count');
  for (var i = 0; i < nv; i++) {
    var name = str(c, 'value name');
    var shape = readShape(c);
    var size = 1;
    for (var d = 0; d < shape.length; d++) size *= shape[d];
    g.values.push({ name: name, shape: shape, size: size });
  }
  // Tracks which values hold data by the time each op runs.
  var ready: boolean[] = [];
  g.inputs = readValueList(c, nv, 'input');
  for (i = 0; i < g.inputs.length; i++) ready[g.inputs[i]] = true;
  g.outputs = readValueList(c, nv, 'output');
  var no = u16(c, 'op count');
  for (i = 0; i < no; i++) {
    checkTables('op ' + i + ' of ' + no);
    g.ops.push(readOp(c, i, g, tensors, ready));
  }
  for (i = 0; i < g.outputs.length; i++) {
    if (!ready[g.outputs[i]])
      fail(c.where, c.pos, "output '" + g.values[g.outputs[i]].name + "' is never computed");
  }
  if (c.pos !== c.end) fail(c.where, c.pos, 'unexpected bytes after the ops');
  return g;
}

function readOp(c: Cursor, i: number, g: GraphInfo, tensors: TensorInfo[], ready: boolean[]): OpInfo {
  var at = c.pos;
  var nv = g.values.length;
  var code = u8(c, 'op code');
  var k = OPS[code];
  var what = 'op ' + i + ' (' + opName(code) + ')';
  if (!k) fail(c.where, at, 'unsupported ' + what + ': this runtime has no kernel for it');
  var nIn = u8(c, 'input count');
  if (nIn < 1 || nIn > MAX_INPUTS)
    fail(c.where, at + 1, what + ' has ' + nIn + ' inputs, not 1..' + MAX_INPUTS);
  var inputs: number[] = [];
  var inShapes: number[][] = [];
  for (var j = 0; j < nIn; j++) {
    var v = u16(c, 'input');
    if (v >= nv || !ready[v]) fail(c.where, c.pos - 2, what + ' reads value ' + v + ' before it is computed');
    inputs.push(v);
    inShapes.push(g.values[v].shape);
  }
  if (u8(c, 'output count') !== 1) fail(c.where, c.pos - 1, what + ' must have 1 output');
  var output = u16(c, 'output');
  if (output >= nv || ready[output])
    fail(c.where, c.pos - 2, what + ' writes value ' + output + ' twice or out of range');
  ready[output] = true;
  var attrLen = u16(c, 'attribute length');
  var attrEnd = c.pos + attrLen;
  var op: OpInfo = {
    code: code,
    input: inputs[0],
    inputs: inputs,
    output: output,
    weight: NO_TENSOR,
    bias: NO_TENSOR,
    p: [],
    list: [],
    strides: [],
    macs: 0,
  };
  var schema = k!.attrs;
  var tshapes: (number[] | null)[] = [];
  for (j = 0; j < schema.length; j++) {
    var kind = schema.charAt(j);
    if (kind === 'T') {
      var ti = u16(c, 'tensor index');
      if (ti !== NO_TENSOR && !tensors[ti])
        fail(c.where, c.pos - 2, what + ': tensor ' + ti + ' does not exist');
      if (tshapes.length === 0) op.weight = ti;
      else op.bias = ti;
      tshapes.push(ti === NO_TENSOR ? null : tensors[ti].shape);
    } else if (kind === 'i') op.p.push(u16(c, 'attribute'));
    else if (kind === 'f') {
      var f = f32(c, 'attribute');
      if (f !== f) fail(c.where, c.pos - 4, what + ': attribute ' + j + ' is NaN');
      op.p.push(f);
    } else {
      var n = u8(c, 'list length');
      if (n > 8) fail(c.where, c.pos - 1, what + ': list of ' + n + ' is longer than 8');
      for (var e = 0; e < n; e++) op.list.push(u16(c, 'list entry'));
    }
  }
  if (k!.needsWeight && op.weight === NO_TENSOR) fail(c.where, at, what + ': needs a weight tensor');
  if (c.pos !== attrEnd)
    fail(
      c.where,
      at,
      what + ': attributes are ' + attrLen + ' bytes, the op reads ' + (c.pos - attrEnd + attrLen),
    );
  var info = k!.check(inShapes, g.values[output].shape, tshapes, op.p, op.list);
  if (typeof info === 'string') fail(c.where, at, what + ': ' + info);
  op.macs = info.macs;
  op.strides = info.strides;
  return op;
}

function readValueList(c: Cursor, nv: number, what: string): number[] {
  var n = u16(c, what + ' count');
  var out: number[] = [];
  for (var i = 0; i < n; i++) {
    var v = u16(c, what);
    if (v >= nv) fail(c.where, c.pos - 2, what + ' ' + v + ' is not a value');
    out.push(v);
  }
  if (n < 1) fail(c.where, c.pos, 'the graph needs at least one ' + what);
  return out;
}
