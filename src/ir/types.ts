// The model IR: one typed graph that importers produce, passes transform and the
// .mote writer serialises. Weights are either plain float32 data or an explicit
// encoded form, so a graph read back from a .mote file is identical to the one written.

/**
 * How a stream of small integers (cluster indices, sparse gaps) is packed:
 * - 'fixed': each symbol in the fewest bits that hold the alphabet;
 * - 'huffman': canonical Huffman codes;
 * - 'byte': exactly 8 bits per symbol, whatever the alphabet (the form that plan
 *   'install' keeps in flash: the runtime reads it a byte at a time, no bit work).
 *   In the file it is a fixed-width stream of width 8, so the format is unchanged; the
 *   reader reports 'byte' when the width is 8 but the alphabet would fit in fewer bits.
 */
export type StreamCoding = 'fixed' | 'huffman' | 'byte';

/** Plain float32 values, stored as-is. */
export interface Float32Encoding {
  kind: 'float32';
  data: Float32Array;
}

/**
 * Affine int8: value = scale[c] * (q - zeroPoint[c]). `axis` is the per-channel axis
 * (scale and zeroPoint have one entry per slice along it) or -1 for one scale per tensor.
 */
export interface Int8Encoding {
  kind: 'int8';
  axis: number;
  scale: Float32Array;
  zeroPoint: Int8Array;
  values: Int8Array;
  /**
   * Absent: stored as raw bytes. Else the values' bytes are a stream ('int8-stream' in
   * the file): Huffman-coded, or fixed-width when clustered to few levels.
   */
  coding?: StreamCoding;
}

/** Weight sharing: every weight is an index into a small table of shared values. */
export interface CodebookEncoding {
  kind: 'codebook';
  codebook: Float32Array;
  indices: Uint8Array;
  coding: StreamCoding;
}

/**
 * Deep Compression's relative-index sparse form. Entry i sits `gaps[i]` zeros after
 * entry i-1 (the first after position -1). Gaps fit in `gapBits`; a longer run of
 * zeros is bridged by filler entries whose value decodes to 0. `values` holds one
 * value per entry (fillers included), either plain or as codebook indices.
 */
export interface SparseEncoding {
  kind: 'sparse';
  gapBits: number;
  gaps: Uint8Array;
  gapCoding: StreamCoding;
  values: Float32Encoding | CodebookEncoding;
}

/** Binary weights: value = (bit ? +1 : -1) * scale[row], rows along axis 0. */
export interface BinaryEncoding {
  kind: 'binary';
  scale: Float32Array;
  /** One byte per weight, 0 or 1, in row-major order. */
  signs: Uint8Array;
}

/**
 * int32 values with a scale: value = scale[c] × q (the biases of int8 ops, whose scale
 * is input scale × weight scale, so the int8 kernels add q to their int32 sums).
 */
export interface Int32Encoding {
  kind: 'int32';
  axis: number;
  scale: Float32Array;
  values: Int32Array;
}

export type Encoding =
  Float32Encoding | Int8Encoding | CodebookEncoding | SparseEncoding | BinaryEncoding | Int32Encoding;
export type EncodingKind = Encoding['kind'];

/** A constant tensor (weights, biases). Activations are `Value`s, not tensors. */
export interface Tensor {
  name: string;
  shape: number[];
  encoding: Encoding;
}

/** A runtime value flowing between ops: a graph input, an op output. */
export interface Value {
  name: string;
  /** Shape without a batch dimension; the runtime runs one sample at a time. */
  shape: number[];
  /** Set for int8 values: real = scale × (q − zeroPoint). Absent: float32. */
  quant?: Quantization;
}

/** Affine int8 quantization of an activation (one scale and zero point per value). */
export interface Quantization {
  scale: number;
  zeroPoint: number;
}

/**
 * How int8 ops turn int32 sums back into int8: 'fixed-point' as TFLite's reference
 * kernels and TFLite Micro (Q0.31 multiplier and shift, MultiplyByQuantizedMultiplier);
 * 'float32' as XNNPACK (sum × float32 scale, rounded half to even), which is what the
 * TFLite WebAssembly runtime uses for the ops it delegates.
 */
export type Requantize = 'fixed-point' | 'float32';

export interface DenseOp {
  op: 'dense';
  input: string;
  output: string;
  /** Weight tensor name, shape [outFeatures, inFeatures]. */
  weight: string;
  /** Optional bias tensor name, shape [outFeatures]. */
  bias?: string;
}
export interface ReluOp {
  op: 'relu';
  input: string;
  output: string;
}
export interface SoftmaxOp {
  op: 'softmax';
  input: string;
  output: string;
}
/** Flatten and Reshape are the same op: a new shape over the same row-major data. */
export interface ReshapeOp {
  op: 'reshape';
  input: string;
  output: string;
  shape: number[];
}

/*
 * Every op has a first value input `input` (multi-input ops name the rest separately:
 * see opInputs in ops.ts). Conv and pool ops work on channels-last activations without batch: [H, W, C].
 * Importers convert other layouts (NCHW) at import, so the runtime has one layout.
 */

/** [top, left, bottom, right] zero padding, in input cells. */
export type Pads2d = [number, number, number, number];

export interface Conv2dOp {
  op: 'conv2d';
  input: string;
  output: string;
  /** Weight tensor, shape [outC, kH, kW, inC / groups]: one output channel is one row. */
  weight: string;
  /** Optional bias tensor, [outC]. */
  bias?: string;
  strides: [number, number];
  pads: Pads2d;
  dilations: [number, number];
  /** 1: plain; inC: depthwise (outC = inC × depth multiplier); else grouped. */
  groups: number;
  /** Fused activation as a clip range: relu [0, Infinity], relu6 [0, 6]. */
  clip?: [number, number];
}

export interface PoolOp {
  op: 'maxpool' | 'avgpool';
  input: string;
  output: string;
  kernel: [number, number];
  strides: [number, number];
  pads: Pads2d;
  dilations: [number, number];
  /** avgpool: divide by the window's cells in the padded input (ONNX count_include_pad=1) rather than in the input. */
  countIncludePad?: boolean;
}

/** Ops of one input and no attributes; shapes as their input (globalavgpool: [C] or [1,1,C]). */
export interface UnaryOp {
  op: 'sigmoid' | 'tanh' | 'softplus' | 'neg' | 'logsoftmax' | 'globalavgpool';
  input: string;
  output: string;
}

/** x ≥ 0 ? x : alpha·x (leakyrelu); x ≥ 0 ? x : alpha·(eˣ − 1) (elu). */
export interface AlphaOp {
  op: 'leakyrelu' | 'elu';
  input: string;
  output: string;
  alpha: number;
}

/** gamma · (x > 0 ? x : alpha·(eˣ − 1)). */
export interface SeluOp {
  op: 'selu';
  input: string;
  output: string;
  alpha: number;
  gamma: number;
}

/** min(max(x, min), max); relu6 is [0, 6]. */
export interface ClipOp {
  op: 'clip';
  input: string;
  output: string;
  min: number;
  max: number;
}

/** x ≥ 0 ? x : slope·x, the slope tensor broadcast (numpy rules) against x. */
export interface PreluOp {
  op: 'prelu';
  input: string;
  output: string;
  slope: string;
}

/**
 * Element-wise add or multiply with numpy broadcasting: `input` ∘ the second operand,
 * which is either another value (`other`) or a constant tensor (`constant`), not both.
 */
export interface BinaryOp {
  op: 'add' | 'mul';
  input: string;
  output: string;
  other?: string;
  constant?: string;
}

/** Joins `input` and then `others` along `axis`. */
export interface ConcatOp {
  op: 'concat';
  input: string;
  others: string[];
  output: string;
  axis: number;
}

/**
 * Padding: the input lands at offsets `begins` of the (larger) output; the rest is
 * `value` ('constant', the default), the input mirrored without its edge ('reflect',
 * pads smaller than the input) or its edge repeated ('edge').
 */
export interface PadOp {
  op: 'pad';
  input: string;
  output: string;
  begins: number[];
  value: number;
  mode?: 'constant' | 'reflect' | 'edge';
}

/** output axis d is input axis perm[d]. */
export interface TransposeOp {
  op: 'transpose';
  input: string;
  output: string;
  perm: number[];
}

/** Mean over `axes` of the input; the output keeps the other axes in order (keepdims either way). */
export interface ReduceMeanOp {
  op: 'reducemean';
  input: string;
  output: string;
  axes: number[];
}

/** Product of two computed matrices: input [m, k] · other [k, n] → [m, n]. */
export interface MatMulOp {
  op: 'matmul';
  input: string;
  other: string;
  output: string;
}

export type Op =
  | DenseOp
  | ReluOp
  | SoftmaxOp
  | ReshapeOp
  | Conv2dOp
  | PoolOp
  | UnaryOp
  | AlphaOp
  | SeluOp
  | ClipOp
  | PreluOp
  | BinaryOp
  | ConcatOp
  | PadOp
  | TransposeOp
  | ReduceMeanOp
  | MatMulOp;
export type OpKind = Op['op'];

/** Per-input normalisation applied by the runtime: x' = (x - mean) / std. */
export interface Normalization {
  mean: number[];
  std: number[];
}

export interface Metadata {
  name?: string;
  description?: string;
  labels?: string[];
  normalization?: Normalization;
  /** Free-form producer notes (tool, recipe, accuracy), kept as strings. */
  extra?: Record<string, string>;
}

/**
 * An early-exit head: ops[start, end) read a backbone value and end in `output`, this
 * exit's class probabilities. Head ops sit right after the op whose value they read;
 * the scheduler runs them or skips them, so no other op may read their values.
 */
export interface ExitPoint {
  output: string;
  start: number;
  end: number;
  /** Exit when max probability ≥ threshold ('maxprob') or entropy in nats ≤ threshold. */
  criterion: 'maxprob' | 'entropy';
  threshold: number;
}

export interface Graph {
  inputs: Value[];
  /** Names of values that the model returns, in order. */
  outputs: string[];
  /** Every op output, in topological order of `ops`. */
  values: Value[];
  tensors: Tensor[];
  ops: Op[];
  metadata: Metadata;
  /** Requantisation of int8 ops; default 'fixed-point'. */
  requantize?: Requantize;
  /** Early-exit heads, in op order (EXIT section). */
  exits?: ExitPoint[];
}
