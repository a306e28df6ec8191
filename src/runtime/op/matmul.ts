import { register } from '../registry.js';
import { matmul } from '../elementwise.js';
import { dims, inputCount, OP_MATMUL } from '../ops.js';

// The product of two computed matrices (no attributes).
register({
  code: OP_MATMUL,
  name: 'matmul',
  attrs: '',
  check: function (ins, out) {
    var bad = inputCount(ins, 2);
    if (bad) return bad;
    var x = ins[0];
    var b = ins[1];
    if (x.length !== 2 || b.length !== 2 || out.length !== 2) return 'needs matrices';
    if (x[1] !== b[0] || out[0] !== x[0] || out[1] !== b[1])
      return dims(x) + ' x ' + dims(b) + ' does not give ' + dims(out);
    return { macs: x[0] * x[1] * b[1], strides: [] };
  },
  run: function (m, o, a, out) {
    var op = m.graph.ops[o];
    var s = m.graph.values[op.input].shape;
    matmul(a, m.buffers[op.inputs[1]], out, s[0], s[1], m.graph.values[op.output].shape[1]);
  },
});
