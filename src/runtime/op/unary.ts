// Element-wise ops of one input (activations): one registration shape for all of them.
import { register } from '../registry.js';
import { OpShapeInfo, sameCount } from '../ops.js';

/**
 * Registers an element-wise op: out[i] = f(x[i]) over n values, `p` its attributes;
 * `bad(p)` says what is wrong with them, if anything.
 */
/** For ops whose attributes are factors (alpha, gamma): each must be finite. */
export function finiteAttrs(p: number[]): string {
  for (var i = 0; i < p.length; i++)
    if (p[i] - p[i] !== 0) return 'attribute ' + i + ' is ' + p[i] + ', not finite';
  return '';
}

export function registerUnary(
  code: number,
  name: string,
  attrs: string,
  f: (x: Float32Array, out: Float32Array, n: number, p: number[]) => void,
  bad?: (p: number[]) => string,
): void {
  register({
    code: code,
    name: name,
    attrs: attrs,
    inPlace: true,
    check: function (
      ins: number[][],
      out: number[],
      ts: (number[] | null)[],
      p: number[],
    ): OpShapeInfo | string {
      var r = sameCount(ins, out);
      return typeof r !== 'string' && bad && bad(p) ? bad(p) : r;
    },
    run: function (m, o, a, out) {
      f(a, out, out.length, m.graph.ops[o].p);
    },
  });
}
