// The parts of the TFLite schema (thirdparty/tflite-micro/schema.fbs) that
// mote reads, as plain objects: Model, SubGraph, Tensor, QuantizationParameters,
// Buffer, Operator and OperatorCode. Field slots are the schema's field order.
import { Flatbuffer, type FbTable } from './flatbuffer.js';

/** TensorType values mote reads (schema.fbs `enum TensorType`). */
export const TENSOR_TYPES: Record<number, string> = {
  0: 'FLOAT32',
  1: 'FLOAT16',
  2: 'INT32',
  3: 'UINT8',
  4: 'INT64',
  5: 'STRING',
  6: 'BOOL',
  7: 'INT16',
  9: 'INT8',
  10: 'FLOAT64',
  17: 'INT4',
};
export const TYPE_FLOAT32 = 0;
export const TYPE_INT32 = 2;
export const TYPE_INT8 = 9;

export interface Quantization {
  scale: Float32Array;
  zeroPoint: number[];
  /** quantized_dimension: the per-channel axis when there is more than one scale. */
  axis: number;
  /** A QuantizationDetails union is set (custom or blockwise schemes mote does not read). */
  details: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Index into the model's buffers; 0 is the empty sentinel. */
  buffer: number;
  quantization: Quantization | null;
  isVariable: boolean;
  sparse: boolean;
  externalBuffer: number;
}

export interface TfliteOperator {
  index: number;
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type (0 = none) and its table. */
  optionsType: number;
  options: FbTable | null;
  hasCustomOptions: boolean;
  /** Byte offset of the operator's table, for messages. */
  at: number;
}

export interface OperatorCode {
  /** max(deprecated_builtin_code, builtin_code), as TFLite's GetBuiltinCode does. */
  builtin: number;
  custom: string | null;
  version: number;
}

export interface SubGraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  fb: Flatbuffer;
  version: number;
  description: string;
  operatorCodes: OperatorCode[];
  subgraphs: SubGraph[];
  /** Each buffer's data as a view into the file (empty when it has none). */
  buffers: Uint8Array[];
}

/** Parses and checks the flatbuffer's tables; tensor data stay views into `bytes`. */
export function readTflite(bytes: Uint8Array, file = 'model.tflite'): TfliteModel {
  // A plain Uint8Array view: a Node Buffer's slice() would share memory instead of copying.
  const fb = new Flatbuffer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  const root = fb.root('TFL3', 'TFLite model');
  const version = fb.scalarU32(root, 0, 'version', 0);
  if (version !== 3) fb.fail(root.pos, `schema version ${version} is not 3`);
  const operatorCodes = fb
    .tables(root, 1, 'operator_codes', 'operator code')
    .map((t) => readOperatorCode(fb, t));
  const buffers = fb.tables(root, 4, 'buffers', 'buffer').map((t) => readBuffer(fb, t));
  const subgraphs = fb.tables(root, 2, 'subgraphs', 'subgraph').map((t) => readSubGraph(fb, t));
  if (subgraphs.length === 0) fb.fail(root.pos, 'the model has no subgraphs');
  const model: TfliteModel = {
    fb,
    version,
    description: fb.string(root, 3, 'description') ?? '',
    operatorCodes,
    subgraphs,
    buffers,
  };
  for (const g of subgraphs) checkReferences(model, g);
  return model;
}

function readOperatorCode(fb: Flatbuffer, t: FbTable): OperatorCode {
  const deprecated = fb.scalarI8(t, 0, 'deprecated_builtin_code', 0);
  const builtin = fb.scalarI32(t, 3, 'builtin_code', 0);
  return {
    builtin: Math.max(deprecated, builtin),
    custom: fb.string(t, 1, 'custom_code'),
    version: fb.scalarI32(t, 2, 'version', 1),
  };
}

function readBuffer(fb: Flatbuffer, t: FbTable): Uint8Array {
  // offset/size locate data outside the flatbuffer (models over 2 GB); 0 and 1 mean unused.
  const offset = fb.scalarI64(t, 1, 'offset', 0);
  if (offset > 1)
    fb.fail(t.pos, `${t.what} keeps its data outside the flatbuffer (offset ${offset}): not supported`);
  return fb.ubytes(t, 0, 'data');
}

function readQuantization(fb: Flatbuffer, t: FbTable): Quantization {
  return {
    scale: fb.float32s(t, 2, 'scale'),
    zeroPoint: fb.int64s(t, 3, 'zero_point'),
    details: fb.scalarU8(t, 4, 'details_type', 0),
    axis: fb.scalarI32(t, 6, 'quantized_dimension', 0),
  };
}

function readTensor(fb: Flatbuffer, t: FbTable, index: number): TfliteTensor {
  const q = fb.subTable(t, 4, 'quantization', `tensor ${index} quantization`);
  return {
    index,
    shape: fb.int32s(t, 0, 'shape'),
    type: fb.scalarI8(t, 1, 'type', 0),
    buffer: fb.scalarU32(t, 2, 'buffer', 0),
    name: fb.string(t, 3, 'name') ?? `tensor${index}`,
    quantization: q ? readQuantization(fb, q) : null,
    isVariable: fb.scalarU8(t, 5, 'is_variable', 0) !== 0,
    sparse: fb.field(t, 6, 4, 'sparsity') !== 0,
    externalBuffer: fb.scalarU32(t, 10, 'external_buffer', 0),
  };
}

function readOperator(fb: Flatbuffer, t: FbTable, index: number): TfliteOperator {
  const optionsType = fb.scalarU8(t, 3, 'builtin_options_type', 0);
  return {
    index,
    opcodeIndex: fb.scalarU32(t, 0, 'opcode_index', 0),
    inputs: fb.int32s(t, 1, 'inputs'),
    outputs: fb.int32s(t, 2, 'outputs'),
    optionsType,
    options: optionsType ? fb.subTable(t, 4, 'builtin_options', `operator ${index} options`) : null,
    hasCustomOptions: fb.vector(t, 5, 'custom_options', 1).length > 0,
    at: t.pos,
  };
}

function readSubGraph(fb: Flatbuffer, t: FbTable): SubGraph {
  return {
    name: fb.string(t, 4, 'name') ?? '',
    tensors: fb.tables(t, 0, 'tensors', 'tensor').map((x, i) => readTensor(fb, x, i)),
    inputs: fb.int32s(t, 1, 'inputs'),
    outputs: fb.int32s(t, 2, 'outputs'),
    operators: fb.tables(t, 3, 'operators', 'operator').map((x, i) => readOperator(fb, x, i)),
  };
}

/** Every index the subgraph holds must name something that exists. */
function checkReferences(m: TfliteModel, g: SubGraph): void {
  const fb = m.fb;
  const n = g.tensors.length;
  for (const t of g.tensors) {
    if (t.buffer >= m.buffers.length)
      fb.fail(0, `tensor ${t.index} '${t.name}' uses buffer ${t.buffer} of ${m.buffers.length}`);
    if (t.shape.some((d) => d < 0))
      fb.fail(0, `tensor ${t.index} '${t.name}' has a dynamic shape [${t.shape}]`);
  }
  for (const i of [...g.inputs, ...g.outputs])
    if (i < 0 || i >= n) fb.fail(0, `subgraph '${g.name}' input/output ${i} is not one of its ${n} tensors`);
  for (const op of g.operators) {
    if (op.opcodeIndex >= m.operatorCodes.length)
      fb.fail(op.at, `operator ${op.index} uses opcode ${op.opcodeIndex} of ${m.operatorCodes.length}`);
    for (const i of [...op.inputs, ...op.outputs])
      if (i < -1 || i >= n) fb.fail(op.at, `operator ${op.index} names tensor ${i}, not one of ${n}`);
  }
}
