// Broadcast ops of two operands (add, mul, prelu): the second is a constant tensor (the
// op's T attribute) or a computed value.
import { register } from '../registry.js';
import { binary } from '../elementwise.js';
import { broadcastStrides, dims, inputCount, OP_PRELU, OpShapeInfo, NO_TENSOR, same } from '../ops.js';

/** Shape rules: numpy broadcasting, the output exactly the broadcast shape. */
function checkBroadcast(
  code: number,
  ins: number[][],
  out: number[],
  ts: (number[] | null)[],
): OpShapeInfo | string {
  var bad = inputCount(ins, ts[0] || code === OP_PRELU ? 1 : 2);
  if (bad) return bad;
  var x = ins[0];
  var other = ts[0] || ins[1];
  if (code === OP_PRELU && !ts[0]) return 'needs a slope tensor';
  if (code === OP_PRELU && !same(x, out)) return 'output shape must equal the input shape';
  if (out.length > 8) return 'rank above 8';
  var sa = broadcastStrides(x, out);
  var sb = broadcastStrides(other, out);
  if (!sa || !sb) return dims(x) + ' and ' + dims(other) + ' do not broadcast to ' + dims(out);
  // The output must be exactly the broadcast shape: every output axis is reached.
  var lead = out.length - Math.max(x.length, other.length);
  if (lead !== 0) return 'output rank must be the larger operand rank';
  for (var d = 0; d < out.length; d++) {
    var a1 = d - (out.length - x.length);
    var b1 = d - (out.length - other.length);
    var m = Math.max(a1 >= 0 ? x[a1] : 1, b1 >= 0 ? other[b1] : 1);
    if (out[d] !== m)
      return 'output ' + dims(out) + ' is not the broadcast of ' + dims(x) + ' and ' + dims(other);
  }
  return { macs: 0, strides: [sa, sb] };
}

export function registerBinary(code: number, name: string): void {
  register({
    code: code,
    name: name,
    attrs: 'T',
    needsWeight: code === OP_PRELU,
    check: function (ins, out, ts) {
      return checkBroadcast(code, ins, out, ts);
    },
    run: function (m, o, a, out) {
      var op = m.graph.ops[o];
      var b = op.weight !== NO_TENSOR ? m.weights[op.weight]! : m.buffers[op.inputs[1]];
      binary(code, a, op.strides[0], b, op.strides[1], out, m.graph.values[op.output].shape, m.idx);
    },
  });
}
