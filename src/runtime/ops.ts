// The op table: codes, names, the attribute layout of each op in GRPH, and the shape
// rules that every op's input and output values must obey. The writer and the host
// validator use the same table and rules, so what compiles is what loads.
//
// Layout: activations are channels-last without batch: [H, W, C] for conv and pool
// ops. Conv weights are [outC, kH, kW, inC / groups], so one output channel's weights
// are one contiguous row (what the streamed decoders read a row at a time).

export var OP_DENSE = 1;
export var OP_RELU = 2;
export var OP_SOFTMAX = 3;
export var OP_RESHAPE = 4;
export var OP_CONV2D = 5;
export var OP_MAXPOOL = 6;
export var OP_AVGPOOL = 7;
export var OP_GLOBALAVGPOOL = 8;
export var OP_ADD = 9;
export var OP_MUL = 10;
export var OP_CONCAT = 11;
export var OP_PAD = 12;
export var OP_TRANSPOSE = 13;
export var OP_LEAKYRELU = 14;
export var OP_PRELU = 15;
export var OP_ELU = 16;
export var OP_SELU = 17;
export var OP_SIGMOID = 18;
export var OP_TANH = 19;
export var OP_SOFTPLUS = 20;
export var OP_CLIP = 21;
export var OP_LOGSOFTMAX = 22;
export var OP_REDUCEMEAN = 23;
export var OP_MATMUL = 24;

export var OP_NAMES = (
  ' dense relu softmax reshape conv2d maxpool avgpool globalavgpool add mul concat pad transpose' +
  ' leakyrelu prelu elu selu sigmoid tanh softplus clip logsoftmax reducemean matmul'
).split(' ');

// Attributes of each op, in order: T a u16 tensor index (0xFFFF = none), i a u16
// integer, f an f32, L a u8 count then that many u16 integers (always last).
// By code: dense: weight, bias. conv2d: weight, bias, strides h w, pads t l b r,
// dilations h w, groups, clip min max. maxpool, avgpool: kernel h w, strides h w, pads
// t l b r, dilations h w, count_include_pad (avgpool; 0 for maxpool). add, mul: constant
// second operand or none. concat: axis. pad: value, mode (0 constant, 1 reflect, 2
// edge), begins. transpose: perm. leakyrelu,
// elu: alpha. prelu: slope tensor. selu: alpha, gamma. clip: min, max. reducemean: axes.
// matmul: none (two value inputs).
export var OP_ATTRS = '.TT....TTiiiiiiiiiff.iiiiiiiiiii.iiiiiiiiiii..T.T.i.fiL.L.f.T.f.ff....ff..L.'.split(
  '.',
);

export var NO_TENSOR = 0xffff;

/** Row-major strides of a shape. */
export function stridesOf(shape: number[]): number[] {
  var s: number[] = [];
  var k = 1;
  for (var d = shape.length - 1; d >= 0; d--) {
    s[d] = k;
    k *= shape[d];
  }
  return s;
}

function sizeOfShape(shape: number[]): number {
  var n = 1;
  for (var d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (var d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

function dims(s: number[]): string {
  return '[' + s.join(',') + ']';
}

/**
 * Strides to read `shape` broadcast (numpy rules, aligned right) to `out`: 0 along
 * broadcast axes. Null when the shapes do not broadcast to `out`.
 */
export function broadcastStrides(shape: number[], out: number[]): number[] | null {
  if (shape.length > out.length) return null;
  var st = stridesOf(shape);
  var r: number[] = [];
  var lead = out.length - shape.length;
  for (var d = 0; d < out.length; d++) {
    if (d < lead) r.push(0);
    else {
      var n = shape[d - lead];
      if (n !== 1 && n !== out[d]) return null;
      r.push(n === 1 ? 0 : st[d - lead]);
    }
  }
  return r;
}

/** What an op's checks derive for the kernels. */
export interface OpShapeInfo {
  /** Multiply-accumulates (or compares/adds, for pools) per inference. */
  macs: number;
  /** Per-input strides aligned to the output (broadcast ops, transpose), else empty. */
  strides: number[][];
}

/**
 * Checks an op against its values' shapes and its tensors' shapes, and returns its MAC
 * count and kernel strides, or a string saying what is wrong. `p` holds the i and f
 * attributes in order, `list` the L attribute, `ts` the T attributes' shapes (null = none).
 */
export function checkOp(
  code: number,
  ins: number[][],
  out: number[],
  ts: (number[] | null)[],
  p: number[],
  list: number[],
): OpShapeInfo | string {
  var x = ins[0];
  var inSize = sizeOfShape(x);
  var outSize = sizeOfShape(out);
  var r: OpShapeInfo = { macs: 0, strides: [] };
  var nIn =
    code === OP_CONCAT ? -1 : ((code === OP_ADD || code === OP_MUL) && !ts[0]) || code === OP_MATMUL ? 2 : 1;
  if (nIn > 0 && ins.length !== nIn) return 'needs ' + nIn + ' input(s), has ' + ins.length;
  if (nIn < 0 && ins.length < 1) return 'needs at least one input';
  var d: number;
  if (code === OP_DENSE) {
    var w = ts[0];
    if (!w || w.length !== 2) return 'weight must be a rank-2 tensor';
    if (w[1] !== inSize || w[0] !== outSize)
      return 'weight is ' + w.join('x') + ' but maps ' + inSize + ' to ' + outSize;
    if (ts[1] && sizeOfShape(ts[1]) !== outSize) return 'bias must have ' + outSize + ' values';
    r.macs = w[0] * w[1];
    return r;
  }
  if (code === OP_CONV2D || code === OP_MAXPOOL || code === OP_AVGPOOL) {
    if (x.length !== 3 || out.length !== 3) return 'input and output must be [H,W,C]';
    var conv = code === OP_CONV2D;
    var kh: number, kw: number, sh: number, sw: number, pads: number[], dh: number, dw: number;
    var icg = 1;
    var groups = 1;
    if (conv) {
      var cw = ts[0];
      if (!cw || cw.length !== 4) return 'weight must be [outC,kH,kW,inC/groups]';
      groups = p[8];
      if (groups < 1 || x[2] % groups !== 0 || out[2] % groups !== 0)
        return 'groups ' + groups + ' must divide input channels ' + x[2] + ' and output channels ' + out[2];
      icg = x[2] / groups;
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
      kh = cw[1];
      kw = cw[2];
      sh = p[0];
      sw = p[1];
      pads = [p[2], p[3], p[4], p[5]];
      dh = p[6];
      dw = p[7];
    } else {
      kh = p[0];
      kw = p[1];
      sh = p[2];
      sw = p[3];
      pads = [p[4], p[5], p[6], p[7]];
      dh = p[8];
      dw = p[9];
      if (out[2] !== x[2]) return 'pooling keeps the channel count';
      if (p[10] > 1) return 'count_include_pad must be 0 or 1';
    }
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
      return 'kernel, strides and dilations must be at least 1';
    var eh = (kh - 1) * dh + 1;
    var ew = (kw - 1) * dw + 1;
    // Pads stay smaller than the window and the input, so no window is all padding and
    // a pool's work stays bounded by its input.
    if (pads[0] >= eh || pads[2] >= eh || pads[1] >= ew || pads[3] >= ew)
      return 'pads must be smaller than the kernel window';
    if (pads[0] > x[0] || pads[2] > x[0] || pads[1] > x[1] || pads[3] > x[1])
      return 'pads must not exceed the input';
    var ph = x[0] + pads[0] + pads[2];
    var pw = x[1] + pads[1] + pads[3];
    if (ph < eh || pw < ew) return 'kernel window is larger than the padded input';
    var oh = Math.floor((ph - eh) / sh) + 1;
    var ow = Math.floor((pw - ew) / sw) + 1;
    if (out[0] !== oh || out[1] !== ow)
      return 'output is ' + dims(out) + ', the window gives [' + oh + ',' + ow + ',' + out[2] + ']';
    r.macs = oh * ow * out[2] * kh * kw * icg;
    return r;
  }
  if (code === OP_GLOBALAVGPOOL) {
    if (x.length !== 3) return 'input must be [H,W,C]';
    if (outSize !== x[2]) return 'output must have ' + x[2] + ' values (one per channel)';
    r.macs = inSize;
    return r;
  }
  if (code === OP_ADD || code === OP_MUL || code === OP_PRELU) {
    var other = ts[0] || ins[1];
    if (code === OP_PRELU && !ts[0]) return 'needs a slope tensor';
    if (code === OP_PRELU && !same(x, out)) return 'output shape must equal the input shape';
    if (out.length > 8) return 'rank above 8';
    var sa = broadcastStrides(x, out);
    var sb = broadcastStrides(other, out);
    if (!sa || !sb) return dims(x) + ' and ' + dims(other) + ' do not broadcast to ' + dims(out);
    // The output must be exactly the broadcast shape: every output axis is reached.
    var lead = out.length - Math.max(x.length, other.length);
    if (lead !== 0) return 'output rank must be the larger operand rank';
    for (d = 0; d < out.length; d++) {
      var a1 = d - (out.length - x.length);
      var b1 = d - (out.length - other.length);
      var m = Math.max(a1 >= 0 ? x[a1] : 1, b1 >= 0 ? other[b1] : 1);
      if (out[d] !== m)
        return 'output ' + dims(out) + ' is not the broadcast of ' + dims(x) + ' and ' + dims(other);
    }
    r.strides = [sa, sb];
    return r;
  }
  if (code === OP_CONCAT) {
    var axis = p[0];
    if (axis >= out.length) return 'axis ' + axis + ' outside rank ' + out.length;
    var total = 0;
    for (var k = 0; k < ins.length; k++) {
      var s = ins[k];
      if (s.length !== out.length) return 'input ' + k + ' has rank ' + s.length + ', output ' + out.length;
      for (d = 0; d < s.length; d++)
        if (d !== axis && s[d] !== out[d]) return 'input ' + k + ' ' + dims(s) + ' does not fit ' + dims(out);
      total += s[axis];
    }
    if (total !== out[axis])
      return 'inputs add up to ' + total + ' along axis ' + axis + ', output has ' + out[axis];
    return r;
  }
  if (code === OP_PAD) {
    if (list.length !== x.length || out.length !== x.length) return 'needs one begin pad per axis';
    if (p[1] > 2) return 'pad mode ' + p[1] + ' is not 0 (constant), 1 (reflect) or 2 (edge)';
    for (d = 0; d < x.length; d++)
      if (list[d] + x[d] > out[d] || (p[1] === 1 && (list[d] >= x[d] || out[d] - x[d] - list[d] >= x[d])))
        return 'axis ' + d + ': pad ' + list[d] + ' + ' + x[d] + ' exceeds ' + out[d];
    return r;
  }
  if (code === OP_TRANSPOSE) {
    if (list.length !== x.length || out.length !== x.length) return 'perm must have one entry per axis';
    var seen: boolean[] = [];
    var st = stridesOf(x);
    var ps: number[] = [];
    for (d = 0; d < list.length; d++) {
      var q = list[d];
      if (q >= x.length || seen[q]) return 'perm ' + dims(list) + ' is not a permutation';
      seen[q] = true;
      if (out[d] !== x[q]) return 'output ' + dims(out) + ' is not ' + dims(x) + ' permuted by ' + dims(list);
      ps.push(st[q]);
    }
    r.strides = [ps];
    return r;
  }
  if (code === OP_MATMUL) {
    var b2 = ins[1];
    if (x.length !== 2 || b2.length !== 2 || out.length !== 2) return 'needs matrices';
    if (x[1] !== b2[0] || out[0] !== x[0] || out[1] !== b2[1])
      return dims(x) + ' x ' + dims(b2) + ' does not give ' + dims(out);
    r.macs = x[0] * x[1] * b2[1];
    return r;
  }
  if (code === OP_REDUCEMEAN) {
    var kept = inSize;
    var used: boolean[] = [];
    for (d = 0; d < list.length; d++) {
      if (list[d] >= x.length || used[list[d]])
        return 'axes ' + dims(list) + ' are not distinct axes of ' + dims(x);
      used[list[d]] = true;
      kept /= x[list[d]];
    }
    if (list.length < 1) return 'needs at least one axis';
    if (outSize !== kept) return 'output has ' + outSize + ' values, the reduction gives ' + kept;
    r.macs = inSize;
    return r;
  }
  // Element-wise ops and reshape keep the element count.
  if (inSize !== outSize) return 'input has ' + inSize + ' values, output ' + outSize;
  if (code === OP_CLIP && !(p[0] <= p[1])) return 'clip range ' + p[0] + '..' + p[1] + ' is empty';
  if (code === OP_SELU && !(p[1] === p[1])) return 'gamma is not a number';
  return r;
}
