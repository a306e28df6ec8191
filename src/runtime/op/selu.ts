import { finiteAttrs, registerUnary } from './unary.js';
import { OP_SELU } from '../ops.js';

// alpha, gamma
registerUnary(
  OP_SELU,
  'selu',
  'ff',
  function (x, out, n, p) {
    for (var i = 0; i < n; i++) out[i] = p[1] * (x[i] > 0 ? x[i] : p[0] * (Math.exp(x[i]) - 1));
  },
  finiteAttrs,
);
