import { register } from '../registry.js';
import { lastAxis, OP_LOGSOFTMAX, sameCount } from '../ops.js';

register({
  code: OP_LOGSOFTMAX,
  name: 'logsoftmax',
  attrs: '',
  check: sameCount,
  run: function (m, o, x, out) {
    var last = lastAxis(m.graph.values[m.graph.ops[o].output].shape);
    // out = x - log(sum(exp(x))) over each run of `last` values, shifted by the max.
    for (var at = 0; at < out.length; at += last) {
      var max = x[at];
      var i: number;
      for (i = 1; i < last; i++) if (x[at + i] > max) max = x[at + i];
      var sum = 0;
      for (i = 0; i < last; i++) sum += Math.exp(x[at + i] - max);
      var lse = max + Math.log(sum);
      for (i = 0; i < last; i++) out[at + i] = x[at + i] - lse;
    }
  },
});
