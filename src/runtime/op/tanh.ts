import { registerUnary } from './unary.js';
import { OP_TANH } from '../ops.js';

// ES5 has no Math.tanh: written with exp, of a negative argument only.
registerUnary(OP_TANH, 'tanh', '', function (x, out, n) {
  for (var i = 0; i < n; i++) {
    var v = Math.exp(-2 * Math.abs(x[i]));
    v = (1 - v) / (1 + v);
    out[i] = x[i] < 0 ? -v : v;
  }
});
