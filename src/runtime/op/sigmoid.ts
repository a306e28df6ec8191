import { registerUnary } from './unary.js';
import { OP_SIGMOID } from '../ops.js';

registerUnary(OP_SIGMOID, 'sigmoid', '', function (x, out, n) {
  for (var i = 0; i < n; i++) {
    var v = x[i];
    // exp of a negative argument only, so large |x| cannot overflow.
    if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
    else {
      v = Math.exp(v);
      out[i] = v / (1 + v);
    }
  }
});
