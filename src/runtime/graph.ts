// The GRPH section: values (activations), graph inputs/outputs and ops, checked for
// topological order and for shapes that agree with their weights.
import { fail } from './errors.js';
import { cursor, str, u16, u8 } from './cursor.js';
import { readShape, TensorInfo } from './tensors.js';
import { Sections } from './container.js';

export var OP_DENSE = 1;
export var OP_RELU = 2;
export var OP_SOFTMAX = 3;
export var OP_RESHAPE = 4;
export var OP_NAMES = ['', 'dense', 'relu', 'softmax', 'reshape'];
export var NO_TENSOR = 0xffff;

export interface ValueInfo {
  name: string;
  shape: number[];
  size: number;
}

export interface OpInfo {
  code: number;
  input: number;
  output: number;
  /** Tensor indices (dense), NO_TENSOR when absent. */
  weight: number;
  bias: number;
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
    var at = c.pos;
    var code = u8(c, 'op code');
    var what = 'op ' + i + ' (' + (OP_NAMES[code] || 'code ' + code) + ')';
    if (code < 1 || code >= OP_NAMES.length) fail(c.where, at, 'unsupported ' + what);
    if (u8(c, 'input count') !== 1) fail(c.where, at + 1, what + ' must have 1 input');
    var input = u16(c, 'input');
    if (u8(c, 'output count') !== 1) fail(c.where, at + 4, what + ' must have 1 output');
    var output = u16(c, 'output');
    if (input >= nv || !ready[input])
      fail(c.where, at + 2, what + ' reads value ' + input + ' before it is computed');
    if (output >= nv || ready[output])
      fail(c.where, at + 5, what + ' writes value ' + output + ' twice or out of range');
    ready[output] = true;
    var attrLen = u16(c, 'attribute length');
    var attrEnd = c.pos + attrLen;
    var op: OpInfo = {
      code: code,
      input: input,
      output: output,
      weight: NO_TENSOR,
      bias: NO_TENSOR,
      macs: 0,
    };
    var vin = g.values[input];
    var vout = g.values[output];
    if (code === OP_DENSE) {
      op.weight = u16(c, 'weight tensor');
      op.bias = u16(c, 'bias tensor');
      var w = tensors[op.weight];
      if (!w || w.shape.length !== 2) fail(c.where, at, what + ': weight must be a rank-2 tensor');
      if (w.shape[1] !== vin.size || w.shape[0] !== vout.size) {
        fail(
          c.where,
          at,
          what +
            ": weight '" +
            w.name +
            "' is " +
            w.shape.join('x') +
            ' but maps ' +
            vin.size +
            ' to ' +
            vout.size,
        );
      }
      var b = tensors[op.bias];
      if (op.bias !== NO_TENSOR && (!b || b.size !== vout.size))
        fail(c.where, at, what + ': bias must have ' + vout.size + ' values');
      op.macs = w.size;
    } else if (vin.size !== vout.size) {
      fail(c.where, at, what + ': input has ' + vin.size + ' values, output ' + vout.size);
    }
    if (c.pos !== attrEnd)
      fail(
        c.where,
        at,
        what + ': attributes are ' + attrLen + ' bytes, the op reads ' + (c.pos - attrEnd + attrLen),
      );
    g.ops.push(op);
  }
  for (i = 0; i < g.outputs.length; i++) {
    if (!ready[g.outputs[i]])
      fail(c.where, c.pos, "output '" + g.values[g.outputs[i]].name + "' is never computed");
  }
  if (c.pos !== c.end) fail(c.where, c.pos, 'unexpected bytes after the ops');
  return g;
}

function readValueList(c: ReturnType<typeof cursor>, nv: number, what: string): number[] {
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
