// dense: out = W·x + b, weight [out, in], bias. The weights are resident, streamed and
// decoded a row at a time, sparse (decoded a chunk of entries at a time), or rows in
// flash (Espruino, a model loaded by name).
import { register } from '../registry.js';
import { dense, denseRows, denseSparse } from '../kernels.js';
import { denseFlash, RowNative } from '../flash-kernels.js';
import { KIND_SPARSE } from '../tensors.js';
import { inputCount, NO_TENSOR, OP_DENSE, sizeOfShape } from '../ops.js';

declare var MOTE_NO_FLASH: boolean;

/**
 * Whether every input is finite. The sparse kernel skips zero weights, so with an
 * infinite or NaN input it would miss the 0 × ∞ = NaN that dense() meets (plan 'cache'):
 * such an input takes the row-by-row path instead, so the plans still agree.
 */
function finite(x: Float32Array): boolean {
  for (var i = 0; i < x.length; i++) if (x[i] - x[i] !== 0) return false;
  return true;
}

register({
  code: OP_DENSE,
  name: 'dense',
  attrs: 'TT',
  needsWeight: true,
  streams: true,
  check: function (ins, out, ts) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var inSize = sizeOfShape(ins[0]);
    var outSize = sizeOfShape(out);
    var w = ts[0];
    if (!w || w.length !== 2) return 'weight must be a rank-2 tensor';
    if (w[1] !== inSize || w[0] !== outSize)
      return 'weight is ' + w.join('x') + ' but maps ' + inSize + ' to ' + outSize;
    if (ts[1] && sizeOfShape(ts[1]) !== outSize) return 'bias must have ' + outSize + ' values';
    return { macs: w[0] * w[1], strides: [] };
  },
  // Over flash rows the clamp costs a compare per row; elsewhere the ReLU runs on its own.
  clampRelu: function (m, o) {
    return !!(m.relu[o] = !!m.rows[m.graph.ops[o].weight]);
  },
  variant: function (m, o) {
    var w = m.graph.ops[o].weight;
    var sparse = m.tensors[w].kind === KIND_SPARSE ? 'dense-sparse' : 'dense';
    return m.rows[w]
      ? sparse + '-flash'
      : m.weights[w]
        ? 'dense'
        : sparse === 'dense'
          ? 'dense-decode'
          : sparse;
  },
  run: function (m, o, a, out) {
    var op = m.graph.ops[o];
    var bias = op.bias === NO_TENSOR ? null : m.weights[op.bias];
    var w = m.weights[op.weight];
    var fr = m.rows[op.weight];
    // Plan 'flash' was only admitted with E.mapInPlace present (model.ts load).
    if ((typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && fr)
      denseFlash(a, fr, bias, out, m.gathered, m.native as unknown as RowNative, m.relu[o]);
    else if (w) dense(a, w, bias, out, a.length, out.length, m.native);
    else if (m.tensors[op.weight].kind === KIND_SPARSE && finite(a))
      denseSparse(a, m.readers[op.weight]!, m.chunkGaps, m.chunkValues, bias, out, a.length, out.length);
    else denseRows(a, m.readers[op.weight]!, m.row, bias, out, a.length, out.length, m.native);
  },
});
