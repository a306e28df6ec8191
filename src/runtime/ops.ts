// Op codes and the shape helpers the ops' rules share. Each op's name, attribute layout,
// shape rules and kernel are its registration (registry.ts, op/*.ts); the writer and the
// host validator use the same registrations, so what compiles is what loads.
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

export var NO_TENSOR = 0xffff;

/** The length of a shape's last axis (1 for a scalar): softmax and logsoftmax run over it. */
export function lastAxis(shape: number[]): number {
  return shape.length ? shape[shape.length - 1] : 1;
}

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

export function sizeOfShape(shape: number[]): number {
  var n = 1;
  for (var d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

export function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (var d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

export function dims(s: number[]): string {
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

/** '' when an op has `n` inputs (-1: at least one), else what is wrong. */
export function inputCount(ins: number[][], n: number): string {
  if (n > 0 && ins.length !== n) return 'needs ' + n + ' input(s), has ' + ins.length;
  if (n < 0 && ins.length < 1) return 'needs at least one input';
  return '';
}

/** Element-wise ops and reshape: one input, the same element count out. */
export function sameCount(ins: number[][], out: number[]): OpShapeInfo | string {
  var bad = inputCount(ins, 1);
  if (bad) return bad;
  var inSize = sizeOfShape(ins[0]);
  var outSize = sizeOfShape(out);
  if (inSize !== outSize) return 'input has ' + inSize + ' values, output ' + outSize;
  return { macs: 0, strides: [] };
}
