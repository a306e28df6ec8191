// Writes an int8 IR graph (as imported from a quantized .tflite) as a QDQ ONNX model, the
// form TFLite→ONNX converters emit: int8 weight initializers and int32 biases feeding
// DequantizeLinear, float ops, and a QuantizeLinear/DequantizeLinear pair on every
// activation with TFLite's scale and zero point. onnxruntime's graph optimiser fuses
// DQ → op → Q into its integer kernels (QLinearConv, QGemm, ...), so onnxruntime-web runs
// the .tflite as an int8 model: the fair peer for mote's int8 runtime.
//
// The layout is NCHW as in src/bench/onnx-export.ts (whose weight reorderings are reused).
// The input is the quantized tensor (fed through `toQdqInput`); the outputs are
// dequantized to float32, as mote's `run` returns them.
import type { Graph, Int8Encoding, Int32Encoding, Op, Quantization, Tensor, Value } from '../ir/types.js';
import { chwColumns, encodeModel, oihwWeights, toOnnxInput } from './onnx-export.js';

/**
 * How activations are stored: 's8' as TFLite has them, or 'u8' (q + 128, zero point + 128:
 * the same real values exactly), which onnxruntime's integer kernels prefer (U8S8).
 */
export type QdqActivations = 's8' | 'u8';

/**
 * The default form: u8. In onnxruntime-web 1.30 (wasm SIMD, 1 thread) only u8 activations
 * fuse everywhere: its x86/wasm QDQ rules take s8 activations only by turning Q→DQ pairs
 * into u8 ones, so with s8 the ops fed otherwise (the graph input, a Flatten) stay
 * DequantizeLinear + float op + QuantizeLinear: 2 of person_detect's 28 convs, and
 * micro_speech's Conv and Gemm. With u8 every conv and dense is QLinearConv/QGemm (seen in
 * the session profile). Medians of 200 samples after warm-up, s8 vs u8 in the same runs,
 * on a shared 2-core machine: hello_world 55–74 vs 40–57 µs (6 runs), person_detect
 * 3370–3730 vs 3290–3600 µs (6 runs, u8 ahead in each), but micro_speech 122–260 vs
 * 172–291 µs (13 runs, s8 ahead in 12): its one conv (1 input channel, 10×8 kernel) runs
 * faster in MLAS's float path than as QLinearConv between NHWC transposes. So the bench
 * takes the faster form per model: s8 for micro_speech, u8 for the others.
 */
export const QDQ_ACTIVATIONS: QdqActivations = 'u8';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;

type Attr = { name: string; type: number; i?: number; ints?: number[] };
type Node = { opType: string; input: string[]; output: string[]; attribute: Attr[]; name: string };
type Init = { name: string; dims: number[]; dataType: number; rawData: Uint8Array };

const ints = (name: string, v: number[]): Attr => ({ name, type: 7, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: 2, i: v });
const bytesOf = (a: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** ONNX shape of a mote value shape (batch 1; [H, W, C] → [1, C, H, W]). */
function onnxShape(shape: number[]): number[] {
  return shape.length === 3 ? [1, shape[2], shape[0], shape[1]] : [1, ...shape];
}

/** The input for the exported model from mote's int8 input: CHW order, shifted to u8 if asked. */
export function toQdqInput(
  q: Int8Array,
  shape: number[],
  activations: QdqActivations = QDQ_ACTIVATIONS,
): Int8Array | Uint8Array {
  const chw = toOnnxInput(q, shape);
  return activations === 's8' ? chw : Uint8Array.from(chw, (v) => v + 128);
}

/** QDQ ONNX model bytes for an int8 graph; throws naming the op when one has no export here. */
export function exportOnnxQdq(g: Graph, activations: QdqActivations = QDQ_ACTIVATIONS): Uint8Array {
  const shift = activations === 'u8' ? 128 : 0;
  const actType = activations === 'u8' ? UINT8 : INT8;
  const values = new Map<string, Value>([...g.inputs, ...g.values].map((v) => [v.name, v]));
  const tensors = new Map<string, Tensor>(g.tensors.map((t) => [t.name, t]));
  const nodes: Node[] = [];
  const inits: Init[] = [];
  /** The quantized ONNX tensor holding each IR value. */
  const qName = new Map<string, string>(g.inputs.map((v) => [v.name, v.name]));
  /** Its dequantized (float) form, once made. */
  const fName = new Map<string, string>();
  /** Values that are a flattened [H, W, C] activation (in CHW order on the ONNX side). */
  const flatOf = new Map<string, number[]>();

  const node = (opType: string, input: string[], output: string, attribute: Attr[] = []): string => {
    nodes.push({ opType, input, output: [output], attribute, name: `${opType}_${nodes.length}` });
    return output;
  };
  const init = (name: string, dims: number[], dataType: number, data: Parameters<typeof bytesOf>[0]) => {
    inits.push({ name, dims, dataType, rawData: bytesOf(data) });
    return name;
  };
  const valueOf = (name: string): Value => {
    const v = values.get(name);
    if (!v) throw new Error(`onnx qdq export: no value '${name}'`);
    return v;
  };
  const quantOf = (name: string): Quantization => {
    const q = valueOf(name).quant;
    if (!q) throw new Error(`onnx qdq export: value '${name}' is float; only int8 graphs are exported`);
    return q;
  };
  /** Scale and zero-point initializers of an activation's quantization. */
  const qparams = (name: string): [string, string] => {
    const q = quantOf(name);
    const s = `${name}:scale`;
    if (!inits.some((t) => t.name === s)) {
      init(s, [], FLOAT, Float32Array.of(q.scale));
      init(`${name}:zp`, [], actType, shift ? Uint8Array.of(q.zeroPoint + shift) : Int8Array.of(q.zeroPoint));
    }
    return [s, `${name}:zp`];
  };
  /** The float form of an IR value: DequantizeLinear of its quantized tensor. */
  const deq = (name: string): string => {
    let f = fName.get(name);
    if (!f) {
      const q = qName.get(name);
      if (q === undefined) throw new Error(`onnx qdq export: '${name}' is used before it is computed`);
      f = node('DequantizeLinear', [q, ...qparams(name)], `${name}:f`);
      fName.set(name, f);
    }
    return f;
  };
  /** Quantizes a float result into IR value `name` (its TFLite scale and zero point). */
  const quant = (f: string, name: string): void => {
    qName.set(name, node('QuantizeLinear', [f, ...qparams(name)], `${name}:q`));
  };
  /** An op on the quantized tensor itself, when it keeps the quantization (reshapes). */
  const sameQuant = (a: string, b: string): boolean => {
    const x = quantOf(a);
    const y = quantOf(b);
    return x.scale === y.scale && x.zeroPoint === y.zeroPoint;
  };
  /** An int8 weight tensor's encoding. */
  const int8Of = (name: string): Int8Encoding => {
    const e = tensors.get(name)!.encoding;
    if (e.kind !== 'int8') throw new Error(`onnx qdq export: weight '${name}' is ${e.kind}, not int8`);
    return e;
  };
  /** DequantizeLinear of an int8 weight (per tensor or per channel), data reordered by the caller. */
  const weight = (name: string, dims: number[], data: Int8Array): string =>
    dequantConst(name, dims, INT8, data, int8Of(name));
  const bias = (name: string): string => {
    const t = tensors.get(name)!;
    const e = t.encoding;
    if (e.kind !== 'int32') throw new Error(`onnx qdq export: bias '${name}' is ${e.kind}, not int32`);
    return dequantConst(name, t.shape, INT32, e.values, e);
  };
  const dequantConst = (
    name: string,
    dims: number[],
    type: number,
    data: Int8Array | Int32Array,
    e: Int8Encoding | Int32Encoding,
  ): string => {
    const perChannel = e.axis >= 0 && e.scale.length > 1;
    const sdims = perChannel ? [e.scale.length] : [];
    const scale = init(`${name}:scale`, sdims, FLOAT, perChannel ? e.scale : e.scale.subarray(0, 1));
    const n = perChannel ? e.scale.length : 1;
    const zp =
      e.kind === 'int8'
        ? init(`${name}:zp`, sdims, INT8, perChannel ? e.zeroPoint : e.zeroPoint.subarray(0, 1))
        : init(`${name}:zp`, sdims, INT32, new Int32Array(n));
    const q = init(name, dims, type, data);
    // Per-channel axis: mote's axis 0 (output channel) stays axis 0 in OIHW and [out, in].
    if (perChannel && e.axis !== 0)
      throw new Error(`onnx qdq export: '${name}' is per-channel on axis ${e.axis}`);
    return node('DequantizeLinear', [q, scale, zp], `${name}:f`, perChannel ? [int('axis', 0)] : []);
  };

  for (const op of g.ops as Op[]) {
    if (op.op === 'conv2d') {
      const shape = tensors.get(op.weight)!.shape;
      const [oc, kh, kw, icg] = shape;
      const w = weight(op.weight, [oc, icg, kh, kw], oihwWeights(int8Of(op.weight).values, shape));
      const inputs = [deq(op.input), w];
      if (op.bias) inputs.push(bias(op.bias));
      let f = node('Conv', inputs, `${op.output}:conv`, [
        ints('kernel_shape', [kh, kw]),
        ints('strides', op.strides),
        ints('pads', op.pads),
        ints('dilations', op.dilations),
        int('group', op.groups),
      ]);
      if (op.clip) f = clip(f, op.output, op.clip[0], op.clip[1]);
      quant(f, op.output);
    } else if (op.op === 'dense') {
      const t = tensors.get(op.weight)!;
      const [outN] = t.shape;
      const wq = int8Of(op.weight).values;
      let input = op.input;
      let hwc = flatOf.get(op.input);
      if (valueOf(op.input).shape.length === 3) {
        // A dense layer reading [H, W, C] directly (TFLite's FULLY_CONNECTED flattens): Flatten first.
        hwc = valueOf(op.input).shape;
        input = `${op.input}:flat`;
        values.set(input, { ...valueOf(op.input), name: input, shape: [hwc[0] * hwc[1] * hwc[2]] });
        qName.set(input, node('Flatten', [qName.get(op.input)!], `${input}:q`, [int('axis', 1)]));
      }
      const w = weight(op.weight, t.shape, hwc ? chwColumns(wq, outN, hwc) : wq);
      const inputs = [deq(input), w];
      if (op.bias) inputs.push(bias(op.bias));
      quant(node('Gemm', inputs, `${op.output}:gemm`, [int('transB', 1)]), op.output);
    } else if (op.op === 'relu') {
      quant(node('Relu', [deq(op.input)], `${op.output}:relu`), op.output);
    } else if (op.op === 'clip') {
      quant(clip(deq(op.input), op.output, op.min, op.max), op.output);
    } else if (op.op === 'softmax') {
      quant(node('Softmax', [deq(op.input)], `${op.output}:softmax`, [int('axis', -1)]), op.output);
    } else if (op.op === 'maxpool' || op.op === 'avgpool') {
      const attrs = [ints('kernel_shape', op.kernel), ints('strides', op.strides), ints('pads', op.pads)];
      const f =
        op.op === 'maxpool'
          ? node('MaxPool', [deq(op.input)], `${op.output}:pool`, [...attrs, ints('dilations', op.dilations)])
          : node('AveragePool', [deq(op.input)], `${op.output}:pool`, [
              ...attrs,
              int('count_include_pad', op.countIncludePad ? 1 : 0),
            ]);
      quant(f, op.output);
    } else if (op.op === 'reshape') {
      reshape(op.input, op.output, op.shape);
    } else throw new Error(`onnx qdq export: op '${op.op}' (${op.output}) is not exported`);
  }

  /** Clip (or Relu) before a QuantizeLinear; onnxruntime drops it where the quantized range implies it. */
  function clip(f: string, out: string, lo: number, hi: number): string {
    if (lo === 0 && hi === Infinity) return node('Relu', [f], `${out}:relu`);
    const min = init(`${out}:min`, [], FLOAT, Float32Array.of(lo));
    const max = init(`${out}:max`, [], FLOAT, Float32Array.of(hi));
    return node('Clip', [f, min, max], `${out}:clip`);
  }

  /** A reshape moves no numbers: done on the quantized tensor, in NCHW terms. */
  function reshape(input: string, output: string, to: number[]): void {
    if (!sameQuant(input, output))
      throw new Error(`onnx qdq export: reshape '${output}' changes the quantization`);
    const from = valueOf(input).shape;
    const q = qName.get(input)!;
    if (from.length === 3 && to.length === 1) {
      flatOf.set(output, from);
      qName.set(output, node('Flatten', [q], `${output}:q`, [int('axis', 1)]));
    } else if (to.length === 3 && from.length === 1 && !flatOf.has(input)) {
      // Flat data in mote's HWC order: [1, H, W, C], then to NCHW (no transpose when C is 1).
      const [h, w, c] = to;
      if (c === 1) {
        const dims = init(`${output}:shape`, [4], INT64, BigInt64Array.of(1n, 1n, BigInt(h), BigInt(w)));
        qName.set(output, node('Reshape', [q, dims], `${output}:q`));
      } else {
        const dims = init(
          `${output}:shape`,
          [4],
          INT64,
          BigInt64Array.of(1n, BigInt(h), BigInt(w), BigInt(c)),
        );
        const nhwc = node('Reshape', [q, dims], `${output}:nhwc`);
        qName.set(output, node('Transpose', [nhwc], `${output}:q`, [ints('perm', [0, 3, 1, 2])]));
      }
    } else if (from.length === to.length && from.length !== 3) {
      qName.set(output, node('Identity', [q], `${output}:q`));
    } else throw new Error(`onnx qdq export: reshape ${from.join('x')} → ${to.join('x')} is not exported`);
  }

  const inputInfo = (v: Value) => ({
    name: v.name,
    type: {
      tensorType: { elemType: actType, shape: { dim: onnxShape(v.shape).map((d) => ({ dimValue: d })) } },
    },
  });
  const outputs = g.outputs.map((o) => {
    const shape = valueOf(o).shape;
    if (shape.length === 3) throw new Error(`onnx qdq export: output '${o}' is [H,W,C]; not exported`);
    return {
      name: deq(o),
      type: {
        tensorType: { elemType: FLOAT, shape: { dim: onnxShape(shape).map((d) => ({ dimValue: d })) } },
      },
    };
  });
  for (const v of g.inputs) quantOf(v.name);
  return encodeModel(
    g,
    { node: nodes, initializer: inits, input: g.inputs.map(inputInfo), output: outputs },
    'onnx qdq export',
  );
}
