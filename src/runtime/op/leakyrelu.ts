import { finiteAttrs, registerUnary } from './unary.js';
import { OP_LEAKYRELU } from '../ops.js';

// alpha
registerUnary(
  OP_LEAKYRELU,
  'leakyrelu',
  'f',
  function (x, out, n, p) {
    for (var i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : p[0] * x[i];
  },
  finiteAttrs,
);
