// Decodes an ONNX ModelProto with protobufjs (from the bundled descriptor of onnx.proto)
// into plain objects, and a TensorProto's values into numbers, with errors that name
// the file, the byte offset or the tensor.
import protobuf from 'protobufjs';
import { ONNX_PROTO_JSON } from './onnx-proto.js';

// protobufjs' JSON descriptor type is structural; the generated constant matches it.
const root = protobuf.Root.fromJSON(ONNX_PROTO_JSON as unknown as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');
const TensorProtoType = root.lookupType('onnx.TensorProto');

/** An import error: the message names the file and the node, tensor or byte offset. */
export class OnnxError extends Error {}

export interface Dim {
  dimValue?: number;
  dimParam?: string;
}
export interface ValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: Dim[] } } };
}
export interface TensorProto {
  name?: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: { key: string; value: string }[];
}
export interface Attribute {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: number[];
}
export interface NodeProto {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
export interface GraphProto {
  name?: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfo[];
  output: ValueInfo[];
}
export interface Model {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  opsetImport: { domain?: string; version: number }[];
  graph?: GraphProto;
}

// int64 fields as numbers, repeated fields always present, bytes as Uint8Array (the
// typings only name String and Array for `bytes`, though any other value means "keep
// the bytes", hence the cast).
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  arrays: true,
  bytes: Uint8Array as unknown as StringConstructor,
};

/** Decodes a ModelProto; a file that is not one fails with the file name and the byte offset. */
export function decodeModel(bytes: Uint8Array, file: string): Model {
  if (bytes.length === 0) throw new OnnxError(`mote: ${file}: empty file, not an ONNX model`);
  let model: Model;
  // Decoding through our own reader lets a failure report where it stopped.
  const reader = protobuf.Reader.create(bytes);
  try {
    model = ModelProto.toObject(ModelProto.decode(reader), TO_OBJECT) as Model;
  } catch (e) {
    const reason = String((e as Error).message).replace(
      /^index out of range.*/,
      'a field runs past the end of the file',
    );
    throw new OnnxError(
      `mote: ${file}: not a valid ONNX model (truncated or corrupt protobuf near byte ${Math.min(reader.pos, bytes.length)} of ${bytes.length}: ${reason})`,
    );
  }
  if (!model.graph || !model.graph.node?.length)
    throw new OnnxError(`mote: ${file}: not an ONNX model (no graph with nodes)`);
  return model;
}

/** Decodes a serialized TensorProto (the test vectors' input_*.pb / output_*.pb). */
export function decodeTensor(bytes: Uint8Array, file: string): TensorProto {
  try {
    return TensorProtoType.toObject(TensorProtoType.decode(bytes), TO_OBJECT) as TensorProto;
  } catch (e) {
    throw new OnnxError(`mote: ${file}: not a valid ONNX TensorProto (${(e as Error).message})`);
  }
}

/** ONNX TensorProto.DataType values the importer reads. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11, FLOAT16: 10 } as const;
const NAMES: Record<number, string> = {
  1: 'float',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'double',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** A tensor's values as float64 numbers (int64 values beyond 2^53 lose precision; shapes never get there). */
export function tensorValues(
  t: TensorProto,
  what: string,
): { dims: number[]; data: Float64Array; type: number } {
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length))
    throw new OnnxError(
      `mote: ${what}: stored as external data, which mote does not read; save the model with its weights inside the .onnx file`,
    );
  const dims = t.dims.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  const bad = (got: number) => new OnnxError(`mote: ${what}: holds ${got} values for dims [${dims}] (${n})`);
  let data: Float64Array;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const fromRaw = (size: number, get: (at: number) => number) => {
    if (raw!.length !== n * size) throw bad(raw!.length / size);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = get(i * size);
    return out;
  };
  switch (t.dataType) {
    case DT.FLOAT:
      data = view ? fromRaw(4, (at) => view.getFloat32(at, true)) : Float64Array.from(t.floatData);
      break;
    case DT.DOUBLE:
      data = view ? fromRaw(8, (at) => view.getFloat64(at, true)) : Float64Array.from(t.doubleData);
      break;
    case DT.INT64:
      data = view ? fromRaw(8, (at) => Number(view.getBigInt64(at, true))) : Float64Array.from(t.int64Data);
      break;
    case DT.INT32:
      data = view ? fromRaw(4, (at) => view.getInt32(at, true)) : Float64Array.from(t.int32Data);
      break;
    case DT.INT8:
      // Typed fields hold int8/uint8 in int32_data.
      data = view ? fromRaw(1, (at) => view.getInt8(at)) : Float64Array.from(t.int32Data);
      break;
    case DT.UINT8:
      data = view ? fromRaw(1, (at) => view.getUint8(at)) : Float64Array.from(t.int32Data);
      break;
    default:
      throw new OnnxError(
        `mote: ${what}: data type ${NAMES[t.dataType] ?? t.dataType} is not supported (float, double, int8, uint8, int32, int64)`,
      );
  }
  if (data.length !== n) throw bad(data.length);
  return { dims, data, type: t.dataType };
}
