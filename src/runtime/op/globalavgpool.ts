import { register } from '../registry.js';
import { globalAvgPool } from '../pool.js';
import { inputCount, OP_GLOBALAVGPOOL, sizeOfShape } from '../ops.js';

register({
  code: OP_GLOBALAVGPOOL,
  name: 'globalavgpool',
  attrs: '',
  check: function (ins, out) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var x = ins[0];
    if (x.length !== 3) return 'input must be [H,W,C]';
    if (sizeOfShape(out) !== x[2]) return 'output must have ' + x[2] + ' values (one per channel)';
    return { macs: sizeOfShape(x), strides: [] };
  },
  run: function (m, o, a, out) {
    globalAvgPool(a, m.graph.values[m.graph.ops[o].input].shape, out);
  },
});
