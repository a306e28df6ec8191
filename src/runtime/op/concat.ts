import { register } from '../registry.js';
import { concat } from '../elementwise.js';
import { dims, inputCount, OP_CONCAT } from '../ops.js';

// axis
register({
  code: OP_CONCAT,
  name: 'concat',
  attrs: 'i',
  check: function (ins, out, ts, p) {
    var bad = inputCount(ins, -1);
    if (bad) return bad;
    var axis = p[0];
    if (axis >= out.length) return 'axis ' + axis + ' outside rank ' + out.length;
    var total = 0;
    for (var k = 0; k < ins.length; k++) {
      var s = ins[k];
      if (s.length !== out.length) return 'input ' + k + ' has rank ' + s.length + ', output ' + out.length;
      for (var d = 0; d < s.length; d++)
        if (d !== axis && s[d] !== out[d]) return 'input ' + k + ' ' + dims(s) + ' does not fit ' + dims(out);
      total += s[axis];
    }
    if (total !== out[axis])
      return 'inputs add up to ' + total + ' along axis ' + axis + ', output has ' + out[axis];
    return { macs: 0, strides: [] };
  },
  run: function (m, o, a, out) {
    var g = m.graph;
    var op = g.ops[o];
    var xs: Float32Array[] = [];
    var shapes: number[][] = [];
    for (var k = 0; k < op.inputs.length; k++) {
      xs.push(m.buffers[op.inputs[k]]);
      shapes.push(g.values[op.inputs[k]].shape);
    }
    concat(xs, shapes, out, g.values[op.output].shape, op.p[0], m.idx);
  },
});
