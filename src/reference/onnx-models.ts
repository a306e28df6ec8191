// Small ONNX models written here with protobufjs (opset 13, seeded weights), shaped like
// what PyTorch exports for edge models: conv + batch norm + relu, depthwise-separable
// blocks with relu6, pooling, flatten and a linear head; and an MLP as MatMul + Add.
import protobuf from 'protobufjs';
import { ONNX_PROTO_JSON } from '../import/onnx/onnx-proto.js';
import { mulberry32 } from '../data/prng.js';

const root = protobuf.Root.fromJSON(ONNX_PROTO_JSON as unknown as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

const FLOAT = 1;
const INT64 = 7;

interface Node {
  opType: string;
  input: string[];
  output: string[];
  attribute?: Record<string, unknown>[];
}

/** Builds a model node by node; weights are seeded normals scaled by `scale`. */
class ModelBuilder {
  nodes: Node[] = [];
  inits: Record<string, unknown>[] = [];
  private rand: () => number;
  private k = 0;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  rand01(): number {
    return this.rand();
  }
  normal(): number {
    const u = Math.max(this.rand(), 1e-9);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand());
  }
  init(dims: number[], f: (i: number) => number): string {
    const name = `w${this.k++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push({ name, dims, dataType: FLOAT, floatData: Array.from({ length: n }, (_, i) => f(i)) });
    return name;
  }
  ints(values: number[], dims = [values.length]): string {
    const name = `c${this.k++}`;
    this.inits.push({ name, dims, dataType: INT64, int64Data: values });
    return name;
  }
  /** uint8 values stored as raw bytes. */
  uint8(dims: number[], f: (i: number) => number): string {
    const name = `u${this.k++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push({ name, dims, dataType: 2, rawData: Uint8Array.from({ length: n }, (_, i) => f(i)) });
    return name;
  }
  /** int8 values stored as raw bytes, as quantization tools write them. */
  int8(dims: number[], f: (i: number) => number): string {
    const name = `q${this.k++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    const raw = Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
    this.inits.push({ name, dims, dataType: 3, rawData: raw });
    return name;
  }
  node(opType: string, input: string[], attrs: Record<string, number | number[] | string> = {}): string {
    const output = `t${this.k++}`;
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: 7, ints: v }
        : typeof v === 'string'
          ? { name, type: 3, s: new TextEncoder().encode(v) }
          : Number.isInteger(v) && !['alpha', 'epsilon', 'min', 'max'].includes(name)
            ? { name, type: 2, i: v }
            : { name, type: 1, f: v },
    );
    this.nodes.push({ opType, input, output: [output], attribute });
    return output;
  }
  conv(
    x: string,
    cin: number,
    cout: number,
    k: number,
    attrs: Record<string, number | number[] | string> = {},
    bias = true,
  ): string {
    const group = (attrs.group as number) ?? 1;
    const fan = (cin / group) * k * k;
    const w = this.init([cout, cin / group, k, k], () => this.normal() / Math.sqrt(fan));
    const inputs = [x, w];
    if (bias) inputs.push(this.init([cout], () => 0.1 * this.normal()));
    return this.node('Conv', inputs, { kernel_shape: [k, k], ...attrs });
  }
  bn(x: string, c: number): string {
    const g = this.init([c], () => 1 + 0.2 * this.normal());
    const b = this.init([c], () => 0.1 * this.normal());
    const m = this.init([c], () => 0.1 * this.normal());
    const v = this.init([c], () => 0.5 + this.rand());
    return this.node('BatchNormalization', [x, g, b, m, v], { epsilon: 1e-5 });
  }
  encode(input: { name: string; dims: number[] }, output: string, outDims: number[]): Uint8Array {
    const vi = (name: string, dims: number[]) => ({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
    });
    const model = {
      irVersion: 8,
      producerName: 'mote-tests',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'test',
        node: this.nodes.map((n) => ({ ...n, attribute: n.attribute ?? [] })),
        initializer: this.inits,
        input: [vi(input.name, input.dims)],
        output: [vi(output, outDims)],
      },
    };
    const err = ModelProto.verify(model);
    if (err) throw new Error(err);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}

/**
 * A small MobileNet-style CNN on [1, 3, 32, 32]: conv 3x3/2 + BN + relu, two
 * depthwise-separable blocks (depthwise 3x3 + BN + relu6, pointwise 1x1 + BN + relu,
 * one with a depth multiplier of 2), max pool, average pool with padding, global average
 * pool, flatten, Gemm head, softmax. 10 classes.
 */
export function mobileCnn(seed = 1): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  let x = m.node('Relu', [m.bn(m.conv('x', 3, 16, 3, { strides: [2, 2], pads: [1, 1, 1, 1] }, false), 16)]);
  x = m.node('Clip', [
    m.bn(m.conv(x, 16, 32, 3, { group: 16, pads: [1, 1, 1, 1] }, false), 32),
    m.init([], () => 0),
    m.init([], () => 6),
  ]);
  x = m.node('Relu', [m.bn(m.conv(x, 32, 24, 1, {}, false), 24)]);
  x = m.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  x = m.node('Clip', [
    m.bn(m.conv(x, 24, 24, 3, { group: 24, pads: [1, 1, 1, 1] }), 24),
    m.init([], () => 0),
    m.init([], () => 6),
  ]);
  x = m.node('Relu', [m.conv(x, 24, 32, 1)]);
  x = m.node('AveragePool', [x], {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    count_include_pad: 0,
  });
  x = m.node('GlobalAveragePool', [x]);
  x = m.node('Flatten', [x], { axis: 1 });
  const w = m.init([10, 32], () => m.normal() / Math.sqrt(32));
  const b = m.init([10], () => 0.1 * m.normal());
  x = m.node('Gemm', [x, w, b], { transB: 1 });
  const y = m.node('Softmax', [x], { axis: -1 });
  return {
    bytes: m.encode({ name: 'x', dims: [1, 3, 32, 32] }, y, [1, 10]),
    input: [1, 3, 32, 32],
    output: [1, 10],
  };
}

/** An MLP as PyTorch exports nn.Linear without Gemm: MatMul + Add, LeakyRelu, Sigmoid, LogSoftmax. */
export function matmulMlp(seed = 2): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  let x = m.node('Reshape', ['x', m.ints([1, -1])]);
  const layer = (v: string, i: number, o: number) =>
    m.node('Add', [
      m.node('MatMul', [v, m.init([i, o], () => m.normal() / Math.sqrt(i))]),
      m.init([o], () => 0.1 * m.normal()),
    ]);
  x = m.node('LeakyRelu', [layer(x, 48, 32)], { alpha: 0.1 });
  x = m.node('Sigmoid', [layer(x, 32, 16)]);
  const y = m.node('LogSoftmax', [layer(x, 16, 5)], { axis: 1 });
  return {
    bytes: m.encode({ name: 'x', dims: [1, 3, 4, 4] }, y, [1, 5]),
    input: [1, 3, 4, 4],
    output: [1, 5],
  };
}

/**
 * The other ops of the issue in one opset-13 graph on [1, 4, 8, 8]: conv + PRelu
 * (per-channel slope), Elu and Selu joined by Concat, dilated MaxPool, constant Pad,
 * AveragePool counting pads, broadcast Mul/Add with constants, Tanh, Softplus, a
 * Transpose to NHWC, ReduceMean over H and W, a Gemm head and LogSoftmax.
 */
export function opsZoo(seed = 3): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  let a = m.conv('x', 4, 8, 3, { pads: [1, 1, 1, 1] });
  a = m.node('PRelu', [a, m.init([8, 1, 1], () => 0.25 * m.rand01())]);
  const e = m.node('Elu', [a], { alpha: 0.7 });
  const s = m.node('Selu', [a]);
  let x = m.node('Concat', [e, s], { axis: 1 });
  x = m.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [1, 1], dilations: [2, 2] });
  x = m.node('Pad', [x, m.ints([0, 0, 1, 2, 0, 0, 2, 1]), m.init([], () => 0.5)], { mode: 'constant' });
  x = m.node('AveragePool', [x], {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    count_include_pad: 1,
  });
  x = m.node('Mul', [x, m.init([16, 1, 1], () => 1 + 0.3 * m.normal())]);
  x = m.node('Add', [x, m.init([1, 16, 1, 1], () => 0.2 * m.normal())]);
  x = m.node('Softplus', [m.node('Tanh', [x])]);
  x = m.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  x = m.node('ReduceMean', [x], { axes: [1, 2], keepdims: 0 });
  const w = m.init([6, 16], () => m.normal() / 4);
  x = m.node('Gemm', [x, w], { transB: 1 });
  const y = m.node('LogSoftmax', [x], { axis: 1 });
  return {
    bytes: m.encode({ name: 'x', dims: [1, 4, 8, 8] }, y, [1, 6]),
    input: [1, 4, 8, 8],
    output: [1, 6],
  };
}

/**
 * What exporters write around the core ops, on a 1-D signal [1, 6, 20]: int8 weights
 * behind DequantizeLinear (per output channel), Conv1d with auto_pad SAME_UPPER and
 * stride 2 + BN + relu, MaxPool1d with ceil_mode, Unsqueeze to 2-D, Conv with
 * SAME_LOWER, AveragePool with ceil_mode, and PyTorch's view(x.size(0), -1) as Shape →
 * Gather → Unsqueeze → Concat → Reshape, then Gemm and Softmax.
 */
export function exportPatterns(seed = 4): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  const wq = m.int8([8, 6, 5], () => Math.round(m.normal() * 40));
  const scale = m.init([8], () => 0.004 + 0.002 * m.rand01());
  const zero = m.int8([8], () => 0);
  const w = m.node('DequantizeLinear', [wq, scale, zero], { axis: 0 });
  let x = m.node('Conv', ['x', w, m.init([8], () => 0.1 * m.normal())], {
    kernel_shape: [5],
    strides: [2],
    auto_pad: 'SAME_UPPER',
  });
  x = m.node('Relu', [m.bn(x, 8)]);
  x = m.node('MaxPool', [x], { kernel_shape: [3], strides: [2], ceil_mode: 1 });
  x = m.node('Unsqueeze', [x, m.ints([2])]);
  const w2 = m.init([12, 8, 1, 3], () => m.normal() / Math.sqrt(24));
  x = m.node('Conv', [x, w2, m.init([12], () => 0.1 * m.normal())], {
    kernel_shape: [1, 3],
    auto_pad: 'SAME_LOWER',
  });
  x = m.node('Sigmoid', [x]);
  x = m.node('AveragePool', [x], { kernel_shape: [1, 2], strides: [1, 2], ceil_mode: 1 });
  const batch = m.node('Unsqueeze', [m.node('Gather', [m.node('Shape', [x]), m.ints([0], [])]), m.ints([0])]);
  x = m.node('Reshape', [x, m.node('Concat', [batch, m.ints([-1])], { axis: 0 })]);
  x = m.node('Gemm', [x, m.init([4, 36], () => m.normal() / 6), m.init([4], () => 0.1 * m.normal())], {
    transB: 1,
  });
  const y = m.node('Softmax', [x], { axis: 1 });
  return { bytes: m.encode({ name: 'x', dims: [1, 6, 20] }, y, [1, 4]), input: [1, 6, 20], output: [1, 4] };
}

/**
 * Activation quantization as quantization tools write it (QDQ): Conv → QuantizeLinear →
 * DequantizeLinear (uint8, per tensor) → Relu → Q/DQ (int8) → Gemm → Sigmoid, on [1, 2, 6, 6].
 */
export function qdqActivations(seed = 5): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  const qdq = (x: string, scale: number, zero: string) => {
    const s = m.init([], () => scale);
    return m.node('DequantizeLinear', [m.node('QuantizeLinear', [x, s, zero]), s, zero]);
  };
  const u8zero = m.uint8([], () => 128);
  const i8zero = m.int8([], () => 0);
  let x = m.conv('x', 2, 4, 3, { pads: [1, 1, 1, 1] });
  x = m.node('Relu', [qdq(x, 0.02, u8zero)]);
  x = qdq(x, 0.01, i8zero);
  x = m.node('Flatten', [x], { axis: 1 });
  x = m.node('Gemm', [x, m.init([3, 144], () => m.normal() / 12)], { transB: 1 });
  const y = m.node('Sigmoid', [x]);
  return {
    bytes: m.encode({ name: 'x', dims: [1, 2, 6, 6] }, y, [1, 3]),
    input: [1, 2, 6, 6],
    output: [1, 3],
  };
}

/**
 * A tabular classifier as exported from PyTorch: input normalization as Sub and Div by
 * constants, Linear + BatchNorm1d + ReLU (the batch norm folds into the Gemm), Linear, Softmax.
 */
export function normalizedMlp(seed = 6): { bytes: Uint8Array; input: number[]; output: number[] } {
  const m = new ModelBuilder(seed);
  let x = m.node('Sub', ['x', m.init([12], () => m.normal())]);
  x = m.node('Div', [x, m.init([12], () => 0.5 + m.rand01())]);
  x = m.node('Gemm', [x, m.init([16, 12], () => m.normal() / 3.5), m.init([16], () => 0.1 * m.normal())], {
    transB: 1,
  });
  x = m.node('Relu', [m.bn(x, 16)]);
  x = m.node('Gemm', [x, m.init([3, 16], () => m.normal() / 4), m.init([3], () => 0.1 * m.normal())], {
    transB: 1,
  });
  const y = m.node('Softmax', [x], { axis: 1 });
  return { bytes: m.encode({ name: 'x', dims: [1, 12] }, y, [1, 3]), input: [1, 12], output: [1, 3] };
}
