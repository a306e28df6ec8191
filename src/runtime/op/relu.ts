import { registerUnary } from './unary.js';
import { OP_RELU } from '../ops.js';

registerUnary(OP_RELU, 'relu', '', function (x, out, n) {
  for (var i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
});
