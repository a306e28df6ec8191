// conv2d (and depthwise, groups = input channels): weight [outC, kH, kW, inC/groups], bias,
// strides h w, pads t l b r, dilations h w, groups, clip min max (a fused activation).
import { register } from '../registry.js';
import type { Model } from '../model.js';
import { dims, inputCount, OP_CONV2D, sizeOfShape } from '../ops.js';
import { checkWindow } from '../window.js';
import { convChannel, ConvShape, convShape } from '../conv.js';
import { convPatches, patchable, patchIndex } from '../conv-patches.js';
import { rowValues, RowNative } from '../flash-kernels.js';
import { readValues, restart } from '../decode.js';
import { freeMemory } from '../memory-check.js';
import { KIND_FLOAT32 } from '../tensors.js';
import { NO_TENSOR } from '../ops.js';

/** Set by `mote bundle` for engines other than Espruino: its flash path is left out. */
declare var MOTE_NO_FLASH: boolean;

/**
 * Whether the patch kernel runs this conv: on Espruino (E.mapInPlace), float, no padding,
 * and weights it can take in blocks (rows in flash, or in RAM below the 64 KB view limit).
 */
function usePatches(m: Model, o: number, s: ConvShape): boolean {
  var nat = m.native as unknown as RowNative | null;
  var op = m.graph.ops[o];
  var w = m.tensors[op.weight];
  if (
    !(typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) ||
    !nat ||
    typeof nat.mapInPlace !== 'function' ||
    !patchable(s)
  )
    return false;
  if (m.quant && m.quant.isQ[op.output]) return false;
  return w.kind !== KIND_FLOAT32 || !w.floats || w.size * 4 <= 65536;
}

/** Bytes the patch kernel shares across convs for a patch of K values: the patch and a weight block. */
function shared(K: number): number {
  return K ? K * 4 + Math.max(4096, K * 4) : 0;
}

/**
 * Weight bytes the patch kernel holds at once, sized after the model's buffers exist: an
 * eighth of the memory still free, 4 to 16 KB (LeNet-5's second conv gathers its 64
 * patches 25 times with 4 KB, 7 times with 16 KB).
 */
function patchBlockBytes(): number {
  var v = freeMemory();
  var bytes = v ? Math.floor((v.free * v.blocksize) / 8) : 4096;
  return Math.max(4096, Math.min(16384, bytes));
}

register({
  code: OP_CONV2D,
  name: 'conv2d',
  attrs: 'TTiiiiiiiiiff',
  needsWeight: true,
  streams: true,
  wholeRows: true,
  check: function (ins, out, ts, p) {
    var bad = inputCount(ins, 1);
    if (bad) return bad;
    var x = ins[0];
    if (x.length !== 3 || out.length !== 3) return 'input and output must be [H,W,C]';
    var cw = ts[0];
    if (!cw || cw.length !== 4) return 'weight must be [outC,kH,kW,inC/groups]';
    var groups = p[8];
    if (groups < 1 || x[2] % groups !== 0 || out[2] % groups !== 0)
      return 'groups ' + groups + ' must divide input channels ' + x[2] + ' and output channels ' + out[2];
    var icg = x[2] / groups;
    if (cw[0] !== out[2] || cw[3] !== icg)
      return (
        'weight ' +
        dims(cw) +
        ' does not fit ' +
        x[2] +
        ' → ' +
        out[2] +
        ' channels in ' +
        groups +
        ' group(s)'
      );
    if (ts[1] && sizeOfShape(ts[1]) !== out[2]) return 'bias must have ' + out[2] + ' values';
    if (!(p[9] <= p[10])) return 'clip range ' + p[9] + '..' + p[10] + ' is empty';
    return checkWindow(x, out, cw[1], cw[2], p[0], p[1], [p[2], p[3], p[4], p[5]], p[6], p[7], icg);
  },
  plan: function (m, o) {
    var g = m.graph;
    var op = g.ops[o];
    var s = convShape(g.values[op.input].shape, g.values[op.output].shape, m.tensors[op.weight].shape, op.p);
    m.convs[o] = s;
    if (!usePatches(m, o, s)) return 0;
    // A gather index of its own, and the patch and weight block shared with other convs.
    var K = s.kh * s.kw * s.c;
    var grow = K > m.patchSize ? shared(K) - shared(m.patchSize) : 0;
    if (K > m.patchSize) m.patchSize = K;
    return K * 2 + grow;
  },
  prepare: function (m, o) {
    var s = m.convs[o]!;
    if (!usePatches(m, o, s)) return;
    m.patchIdx[o] = patchIndex(s);
    if (m.patch.length < m.patchSize) {
      m.patch = new Float32Array(m.patchSize);
      m.patchBlock = patchBlockBytes();
    }
  },
  clampRelu: function (m, o) {
    var c = m.convs[o]!;
    if (c.lo < 0) c.lo = 0;
    return true;
  },
  variant: function (m, o) {
    var c = m.convs[o]!;
    var w = m.graph.ops[o].weight;
    return (
      (c.icg === 1 && c.c > 1 ? 'depthwise' : 'conv2d') +
      (m.rows[w] ? '-flash' : m.weights[w] ? '' : '-decode')
    );
  },
  run: function (m, o, a, out) {
    var op = m.graph.ops[o];
    var c = m.convs[o]!;
    var w = m.weights[op.weight];
    var bias = op.bias === NO_TENSOR ? null : m.weights[op.bias];
    var r = m.readers[op.weight];
    var fr = m.rows[op.weight];
    var nat = m.native as unknown as RowNative;
    var rowLen = c.kh * c.kw * c.icg;
    var idx = m.patchIdx[o];
    if ((typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && idx && (fr || w)) {
      convPatches(
        a,
        function (o0: number, n: number) {
          return fr ? rowValues(fr, o0, n, nat, true) : w!.subarray(o0 * rowLen, (o0 + n) * rowLen);
        },
        bias,
        out,
        c,
        idx,
        m.patch,
        m.patchBlock,
        nat,
      );
      return;
    }
    if (r) restart(r);
    for (var oc = 0; oc < c.oc; oc++) {
      var wr =
        w ||
        ((typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && fr
          ? rowValues(fr, oc, 1, nat, true)
          : m.row);
      if (r) readValues(r, m.row, rowLen);
      convChannel(a, wr, w ? oc * rowLen : 0, bias ? bias[oc] : 0, out, oc, c, m.native);
    }
  },
});
