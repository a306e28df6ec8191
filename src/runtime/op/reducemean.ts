import { register } from '../registry.js';
import { reduceMean } from '../elementwise.js';
import { dims, inputCount, OP_REDUCEMEAN, sizeOfShape } from '../ops.js';

// axes
register({
  code: OP_REDUCEMEAN,
  name: 'reducemean',
  attrs: 'L',
  check: function (ins, out, ts, p, list) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var x = ins[0];
    var inSize = sizeOfShape(x);
    var kept = inSize;
    var used: boolean[] = [];
    for (var d = 0; d < list.length; d++) {
      if (list[d] >= x.length || used[list[d]])
        return 'axes ' + dims(list) + ' are not distinct axes of ' + dims(x);
      used[list[d]] = true;
      kept /= x[list[d]];
    }
    if (list.length < 1) return 'needs at least one axis';
    var outSize = sizeOfShape(out);
    if (outSize !== kept) return 'output has ' + outSize + ' values, the reduction gives ' + kept;
    return { macs: inSize, strides: [] };
  },
  run: function (m, o, a, out) {
    var op = m.graph.ops[o];
    reduceMean(a, m.graph.values[op.input].shape, out, op.list, m.idx);
  },
});
