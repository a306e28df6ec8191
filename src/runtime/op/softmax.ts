import { register } from '../registry.js';
import { OP_SOFTMAX, sameCount } from '../ops.js';
import { softmax } from '../kernels.js';

// Over each run of the last axis.
register({
  code: OP_SOFTMAX,
  name: 'softmax',
  attrs: '',
  check: sameCount,
  run: function (m, o, a, out) {
    var s = m.graph.values[m.graph.ops[o].output].shape;
    softmax(a, out, out.length, s.length ? s[s.length - 1] : 1);
  },
});
