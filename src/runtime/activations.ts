// Element-wise activations and the log-softmax, over n values. ES5 has no Math.tanh,
// Math.log1p or Math.expm1, so they are written with exp and log.

/** Activation codes for `activate` (the op codes of ops.ts). */
import { OP_CLIP, OP_ELU, OP_LEAKYRELU, OP_RELU, OP_SELU, OP_SIGMOID, OP_SOFTPLUS, OP_TANH } from './ops.js';

/** out = f(x) for one of the parameterless or scalar-parameter activations; p as in OP_ATTRS. */
export function activate(code: number, x: Float32Array, out: Float32Array, n: number, p: number[]): void {
  var i: number;
  var v: number;
  var a = p[0];
  if (code === OP_RELU) for (i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
  else if (code === OP_LEAKYRELU) for (i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : a * x[i];
  else if (code === OP_ELU) for (i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : a * (Math.exp(x[i]) - 1);
  else if (code === OP_SELU)
    for (i = 0; i < n; i++) out[i] = p[1] * (x[i] > 0 ? x[i] : a * (Math.exp(x[i]) - 1));
  else if (code === OP_SIGMOID)
    for (i = 0; i < n; i++) {
      v = x[i];
      // exp of a negative argument only, so large |x| cannot overflow.
      if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
      else {
        v = Math.exp(v);
        out[i] = v / (1 + v);
      }
    }
  else if (code === OP_TANH)
    for (i = 0; i < n; i++) {
      v = Math.exp(-2 * Math.abs(x[i]));
      v = (1 - v) / (1 + v);
      out[i] = x[i] < 0 ? -v : v;
    }
  else if (code === OP_SOFTPLUS)
    for (i = 0; i < n; i++) {
      v = x[i];
      out[i] = (v > 0 ? v : 0) + Math.log(1 + Math.exp(-Math.abs(v)));
    }
  else if (code === OP_CLIP)
    for (i = 0; i < n; i++) {
      v = x[i];
      out[i] = v < a ? a : v > p[1] ? p[1] : v;
    }
}

/** out = x - log(sum(exp(x))) over each run of `last` values, shifted by the max. */
export function logSoftmax(x: Float32Array, out: Float32Array, n: number, last: number): void {
  for (var s = 0; s < n; s += last) {
    var max = x[s];
    var i: number;
    for (i = 1; i < last; i++) if (x[s + i] > max) max = x[s + i];
    var sum = 0;
    for (i = 0; i < last; i++) sum += Math.exp(x[s + i] - max);
    var lse = max + Math.log(sum);
    for (i = 0; i < last; i++) out[s + i] = x[s + i] - lse;
  }
}
