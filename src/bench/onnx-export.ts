// Writes an IR graph (decoded float weights) as an ONNX model, so onnxruntime-web can
// run exactly the weights mote runs when no ONNX original exists (models trained here
// with TF.js). The ModelProto is built with protobufjs from ONNX's own onnx.proto.
//
// mote's activations are channels-last [H, W, C]; ONNX's are NCHW. The exported graph is
// NCHW throughout, as an ONNX user's would be: conv weights are transposed, and a dense
// layer that reads a flattened [H, W, C] value gets its columns permuted to C·H·W order,
// so no Transpose op is added. Inputs of rank 3 are then fed as CHW (see `toOnnxInput`).
import protobuf from 'protobufjs';
import type { Graph, Op, Tensor } from '../ir/types.js';
import { ONNX_PROTO } from '../build/paths.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';

const FLOAT = 1;
const OPSET = 13;

type Attr = { name: string; type: number; i?: number; ints?: number[]; f?: number };
type Node = { opType: string; input: string[]; output: string[]; attribute: Attr[]; name: string };

const ints = (name: string, v: number[]): Attr => ({ name, type: 7, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: 2, i: v });

/** The graph's weights as float32, decoded from their encodings by mote's own runtime. */
function floatWeights(g: Graph): Map<string, Float32Array> {
  const bytes = writeMote(g);
  const m = load(bytes, { plan: 'cache' });
  const out = new Map<string, Float32Array>();
  m.tensors.forEach((t, k) => {
    const w = m.weights[k];
    if (w) out.set(t.name, w);
  });
  return out;
}

/** ONNX shape of a mote value shape (batch 1; [H, W, C] → [1, C, H, W]). */
function onnxShape(shape: number[]): number[] {
  return shape.length === 3 ? [1, shape[2], shape[0], shape[1]] : [1, ...shape];
}

/** Typed arrays the export helpers reorder (float weights and inputs, int8 ones). */
type Data = Float32Array | Int8Array;

/** An input for the exported model from a mote input: [H, W, C] data reordered to CHW. */
export function toOnnxInput<T extends Data>(x: T, shape: number[]): T {
  if (shape.length !== 3 || shape[2] === 1) return x;
  const [h, w, c] = shape;
  const out = x.slice() as T; // slice() keeps the array type; TS types it as the union
  for (let y = 0; y < h; y++)
    for (let i = 0; i < w; i++) for (let k = 0; k < c; k++) out[(k * h + y) * w + i] = x[(y * w + i) * c + k];
  return out;
}

/**
 * A dense weight [outN, H·W·C] that reads mote's HWC flatten, with its columns permuted to
 * ONNX's CHW flatten: column (y, x, c) becomes column (c, y, x).
 */
export function chwColumns<T extends Data>(w: T, outN: number, hwc: number[]): T {
  const [h, wd, c] = hwc;
  const inN = h * wd * c;
  const p = w.slice() as T; // as in toOnnxInput
  for (let o = 0; o < outN; o++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < wd; x++)
        for (let k = 0; k < c; k++) p[o * inN + (k * h + y) * wd + x] = w[o * inN + (y * wd + x) * c + k];
  return p;
}

/** A conv weight in mote's [outC, kH, kW, inC/groups] order, transposed to ONNX's OIHW. */
export function oihwWeights<T extends Data>(w: T, shape: number[]): T {
  const [oc, kh, kw, icg] = shape;
  const t = w.slice() as T; // as in toOnnxInput
  for (let o = 0; o < oc; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < icg; i++)
          t[((o * icg + i) * kh + y) * kw + x] = w[((o * kh + y) * kw + x) * icg + i];
  return t;
}

/** ONNX model bytes for `g`; throws naming the op when one has no export here. */
export function exportOnnx(g: Graph): Uint8Array {
  const weights = floatWeights(g);
  const shapes = new Map<string, number[]>([...g.inputs, ...g.values].map((v) => [v.name, v.shape]));
  const tensorShape = new Map<string, number[]>(g.tensors.map((t: Tensor) => [t.name, t.shape]));
  /** Values that are a flattened [H, W, C] activation (in CHW order on the ONNX side). */
  const flatOf = new Map<string, number[]>();
  const nodes: Node[] = [];
  const inits: { name: string; dims: number[]; data: Float32Array }[] = [];
  const init = (name: string, dims: number[], data: Float32Array): string => {
    inits.push({ name, dims, data });
    return name;
  };
  const node = (opType: string, input: string[], output: string, attribute: Attr[] = []): void => {
    nodes.push({ opType, input, output: [output], attribute, name: `${opType}_${nodes.length}` });
  };
  for (const op of g.ops as Op[]) {
    if (op.op === 'dense') {
      const [outN, inN] = tensorShape.get(op.weight)!;
      let w = weights.get(op.weight)!;
      const hwc = flatOf.get(op.input);
      if (hwc) w = chwColumns(w, outN, hwc);
      const inputs = [op.input, init(op.weight, [outN, inN], w)];
      if (op.bias) inputs.push(init(op.bias, [outN], weights.get(op.bias)!));
      node('Gemm', inputs, op.output, [int('transB', 1)]);
    } else if (op.op === 'relu') node('Relu', [op.input], op.output);
    else if (op.op === 'softmax') node('Softmax', [op.input], op.output, [int('axis', -1)]);
    else if (op.op === 'reshape') {
      const from = shapes.get(op.input)!;
      if (from.length === 3 && op.shape.length === 1) {
        flatOf.set(op.output, from);
        node('Flatten', [op.input], op.output, [int('axis', 1)]);
      } else if (from.length === op.shape.length && from.length !== 3) {
        node('Identity', [op.input], op.output);
      } else
        throw new Error(`onnx export: reshape ${from.join('x')} → ${op.shape.join('x')} is not exported`);
    } else if (op.op === 'conv2d') {
      const [oc, kh, kw, icg] = tensorShape.get(op.weight)!;
      const t = oihwWeights(weights.get(op.weight)!, [oc, kh, kw, icg]);
      const inputs = [op.input, init(op.weight, [oc, icg, kh, kw], t)];
      if (op.bias) inputs.push(init(op.bias, [oc], weights.get(op.bias)!));
      const clip = op.clip ?? [-Infinity, Infinity];
      const convOut = clip[0] === -Infinity && clip[1] === Infinity ? op.output : `${op.output}.preact`;
      node('Conv', inputs, convOut, [
        ints('kernel_shape', [kh, kw]),
        ints('strides', op.strides),
        ints('pads', op.pads),
        ints('dilations', op.dilations),
        int('group', op.groups),
      ]);
      if (convOut !== op.output) {
        if (clip[0] === 0 && clip[1] === Infinity) node('Relu', [convOut], op.output);
        else {
          const lo = init(`${op.output}.min`, [], Float32Array.of(clip[0]));
          const hi = init(`${op.output}.max`, [], Float32Array.of(clip[1]));
          node('Clip', [convOut, lo, hi], op.output);
        }
      }
    } else if (op.op === 'maxpool' || op.op === 'avgpool') {
      const attrs = [ints('kernel_shape', op.kernel), ints('strides', op.strides), ints('pads', op.pads)];
      if (op.op === 'maxpool')
        node('MaxPool', [op.input], op.output, [...attrs, ints('dilations', op.dilations)]);
      else
        node('AveragePool', [op.input], op.output, [
          ...attrs,
          int('count_include_pad', op.countIncludePad ? 1 : 0),
        ]);
    } else throw new Error(`onnx export: op '${op.op}' (${op.output}) is not exported`);
  }
  const valueInfo = (name: string) => ({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: onnxShape(shapes.get(name)!).map((d) => ({ dimValue: d })) },
      },
    },
  });
  for (const o of g.outputs)
    if (shapes.get(o)!.length === 3) throw new Error(`onnx export: output '${o}' is [H,W,C]; not exported`);
  return encodeModel(
    g,
    {
      node: nodes,
      initializer: inits.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: FLOAT,
        rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      })),
      input: g.inputs.map((v) => valueInfo(v.name)),
      output: g.outputs.map(valueInfo),
    },
    'onnx export',
  );
}

/** The parts of an ONNX GraphProto an exporter builds (protobufjs plain objects). */
export interface OnnxGraphParts {
  node: object[];
  initializer: object[];
  input: object[];
  output: object[];
}

/** ModelProto bytes (opset 13, graph named after `g`), checked by protobufjs; `what` prefixes errors. */
export function encodeModel(g: Graph, parts: OnnxGraphParts, what: string): Uint8Array {
  const ModelProto = protobuf.loadSync(ONNX_PROTO).lookupType('onnx.ModelProto');
  const model = {
    irVersion: 8,
    producerName: 'mote',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name: g.metadata.name ?? 'mote', ...parts },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`${what}: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
