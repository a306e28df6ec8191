import { register } from '../registry.js';
import { lastAxis, OP_SOFTMAX, sameCount } from '../ops.js';
import { softmax } from '../kernels.js';

// Over each run of the last axis.
register({
  code: OP_SOFTMAX,
  name: 'softmax',
  attrs: '',
  check: sameCount,
  run: function (m, o, a, out) {
    softmax(a, out, out.length, lastAxis(m.graph.values[m.graph.ops[o].output].shape));
  },
});
