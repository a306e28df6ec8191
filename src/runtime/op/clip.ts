import { registerUnary } from './unary.js';
import { OP_CLIP } from '../ops.js';

// min, max
registerUnary(
  OP_CLIP,
  'clip',
  'ff',
  function (x, out, n, p) {
    for (var i = 0; i < n; i++) {
      var v = x[i];
      out[i] = v < p[0] ? p[0] : v > p[1] ? p[1] : v;
    }
  },
  function (p) {
    return p[0] <= p[1] ? '' : 'clip range ' + p[0] + '..' + p[1] + ' is empty';
  },
);
