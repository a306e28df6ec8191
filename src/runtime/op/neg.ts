// neg: out = -x (ONNX Neg). Added as the example of an op that touches only its kernel,
// its IR entry, its importers and its tests (docs/RUNTIME.md "Adding an op").
import { registerUnary } from './unary.js';

/** Its code in GRPH: the next free one (ops.ts lists the codes of the first ops). */
export var OP_NEG = 25;

registerUnary(OP_NEG, 'neg', '', function (x, out, n) {
  for (var i = 0; i < n; i++) out[i] = -x[i];
});
