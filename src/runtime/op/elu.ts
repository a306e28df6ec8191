import { finiteAttrs, registerUnary } from './unary.js';
import { OP_ELU } from '../ops.js';

// alpha
registerUnary(
  OP_ELU,
  'elu',
  'f',
  function (x, out, n, p) {
    for (var i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : p[0] * (Math.exp(x[i]) - 1);
  },
  finiteAttrs,
);
