import { register } from '../registry.js';
import { pad } from '../elementwise.js';
import { inputCount, OP_PAD } from '../ops.js';

// value, mode (0 constant, 1 reflect, 2 edge), begins
register({
  code: OP_PAD,
  name: 'pad',
  attrs: 'fiL',
  check: function (ins, out, ts, p, list) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var x = ins[0];
    if (list.length !== x.length || out.length !== x.length) return 'needs one begin pad per axis';
    if (p[1] > 2) return 'pad mode ' + p[1] + ' is not 0 (constant), 1 (reflect) or 2 (edge)';
    for (var d = 0; d < x.length; d++)
      if (list[d] + x[d] > out[d] || (p[1] === 1 && (list[d] >= x[d] || out[d] - x[d] - list[d] >= x[d])))
        return 'axis ' + d + ': pad ' + list[d] + ' + ' + x[d] + ' exceeds ' + out[d];
    return { macs: 0, strides: [] };
  },
  run: function (m, o, a, out) {
    var g = m.graph;
    var op = g.ops[o];
    pad(a, g.values[op.input].shape, out, g.values[op.output].shape, op.list, op.p, m.idx);
  },
});
