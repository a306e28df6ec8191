import { registerUnary } from './unary.js';
import { OP_SELU } from '../ops.js';

// alpha, gamma
registerUnary(
  OP_SELU,
  'selu',
  'ff',
  function (x, out, n, p) {
    for (var i = 0; i < n; i++) out[i] = p[1] * (x[i] > 0 ? x[i] : p[0] * (Math.exp(x[i]) - 1));
  },
  function (p) {
    return p[1] === p[1] ? '' : 'gamma is not a number';
  },
);
