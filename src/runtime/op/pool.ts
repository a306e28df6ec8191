// Max and average pooling: kernel h w, strides h w, pads t l b r, dilations h w,
// count_include_pad (avgpool; 0 for maxpool).
import { register } from '../registry.js';
import { pool2d } from '../pool.js';
import { inputCount } from '../ops.js';
import { checkWindow } from '../window.js';

export function registerPool(code: number, name: string, avg: boolean): void {
  register({
    code: code,
    name: name,
    attrs: 'iiiiiiiiiii',
    check: function (ins, out, ts, p) {
      var bad = inputCount(ins, 1);
      if (bad) return bad;
      var x = ins[0];
      if (x.length !== 3 || out.length !== 3) return 'input and output must be [H,W,C]';
      if (out[2] !== x[2]) return 'pooling keeps the channel count';
      if (p[10] > 1) return 'count_include_pad must be 0 or 1';
      return checkWindow(x, out, p[0], p[1], p[2], p[3], [p[4], p[5], p[6], p[7]], p[8], p[9], 1);
    },
    run: function (m, o, a, out) {
      var g = m.graph;
      var op = g.ops[o];
      pool2d(a, g.values[op.input].shape, out, g.values[op.output].shape, op.p, avg);
    },
  });
}
