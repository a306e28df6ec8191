import { register } from '../registry.js';
import { transpose } from '../elementwise.js';
import { dims, inputCount, OP_TRANSPOSE, stridesOf } from '../ops.js';

// perm
register({
  code: OP_TRANSPOSE,
  name: 'transpose',
  attrs: 'L',
  check: function (ins, out, ts, p, list) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var x = ins[0];
    if (list.length !== x.length || out.length !== x.length) return 'perm must have one entry per axis';
    var seen: boolean[] = [];
    var st = stridesOf(x);
    var ps: number[] = [];
    for (var d = 0; d < list.length; d++) {
      var q = list[d];
      if (q >= x.length || seen[q]) return 'perm ' + dims(list) + ' is not a permutation';
      seen[q] = true;
      if (out[d] !== x[q]) return 'output ' + dims(out) + ' is not ' + dims(x) + ' permuted by ' + dims(list);
      ps.push(st[q]);
    }
    return { macs: 0, strides: [ps] };
  },
  run: function (m, o, a, out) {
    var op = m.graph.ops[o];
    transpose(a, op.strides[0], out, m.graph.values[op.output].shape, m.idx);
  },
});
