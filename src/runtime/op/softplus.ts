import { registerUnary } from './unary.js';
import { OP_SOFTPLUS } from '../ops.js';

// ES5 has no Math.log1p: log(1 + exp(-|x|)) stays exact enough and cannot overflow.
registerUnary(OP_SOFTPLUS, 'softplus', '', function (x, out, n) {
  for (var i = 0; i < n; i++) {
    var v = x[i];
    out[i] = (v > 0 ? v : 0) + Math.log(1 + Math.exp(-Math.abs(v)));
  }
});
